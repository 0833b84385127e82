// deploy/systemd: the units pass `systemd-analyze verify` without a single warning (a
// misspelt or misvalued setting is only a warning to systemd, so a warning fails here), they
// are sandboxed as the issue asks, svidd's command lines and configuration pass
// `svidd --check-config`, and svid-agent's flags are svid-agent's.
#include <gtest/gtest.h>

#include <sstream>

#include "deploy/deploy_files.h"
#include "support/ledger/temp_dir.h"

namespace svidd::testing {
namespace {

constexpr char kInstalled[] = "/usr/local/bin/";

// key -> values, from a unit file (every section; repeated keys keep each value).
std::multimap<std::string, std::string> UnitSettings(const std::string& text) {
  std::multimap<std::string, std::string> settings;
  std::stringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#' || line[0] == '[') continue;
    const size_t eq = line.find('=');
    if (eq != std::string::npos) settings.emplace(line.substr(0, eq), line.substr(eq + 1));
  }
  return settings;
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

TEST(SystemdTest, UnitsVerifyWithoutWarnings) {
  if (FindTool("systemd-analyze").empty()) {
    GTEST_SKIP()
        << "\n\n*** systemd-analyze is not installed: deploy/systemd was NOT verified ***\n";
  }
  TempDir dir;
  // The units name the installed programs; point them at the ones just built.
  std::filesystem::create_directories(dir.File("bin"));
  std::filesystem::create_symlink(SVIDD_BINARY, dir.File("bin") / "svidd");
  std::filesystem::create_symlink(SVID_AGENT_BINARY, dir.File("bin") / "svid-agent");
  for (const auto& [unit, instance] : std::map<std::string, std::string>{
           {"svidd.service", "svidd.service"}, {"svid-agent@.service", "svid-agent@web.service"}}) {
    SCOPED_TRACE(unit);
    WriteTestFile(dir.File(unit), Replace(ReadSource("deploy/systemd/" + unit), kInstalled,
                                          dir.File("bin").string() + "/"));
    CommandResult r = RunTool({"systemd-analyze", "verify", dir.File(instance).string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "") << "systemd-analyze warns";
  }
}

TEST(SystemdTest, UnitsAreSandboxed) {
  for (const char* unit : {"svidd.service", "svid-agent@.service"}) {
    SCOPED_TRACE(unit);
    const auto settings = UnitSettings(ReadSource(std::string("deploy/systemd/") + unit));
    for (const auto& [key, value] :
         std::map<std::string, std::string>{{"NoNewPrivileges", "yes"},
                                            {"ProtectSystem", "strict"},
                                            {"PrivateTmp", "yes"},
                                            {"PrivateDevices", "yes"},
                                            {"ProtectKernelTunables", "yes"},
                                            {"ProtectKernelModules", "yes"},
                                            {"ProtectControlGroups", "yes"},
                                            {"RestrictSUIDSGID", "yes"},
                                            {"CapabilityBoundingSet", ""},
                                            {"SystemCallArchitectures", "native"},
                                            {"UMask", "0077"}}) {
      auto range = settings.equal_range(key);
      bool found = false;
      for (auto it = range.first; it != range.second; ++it) found |= it->second == value;
      EXPECT_TRUE(found) << key << "=" << value;
    }
    EXPECT_TRUE(settings.count("User")) << "runs as root";
  }
  const auto svidd = UnitSettings(ReadSource("deploy/systemd/svidd.service"));
  ASSERT_TRUE(svidd.count("StateDirectory"));
  EXPECT_EQ(svidd.find("StateDirectory")->second, "svidd");
}

// The svidd command lines of svidd.service, the installed config file replaced by the one in
// deploy/systemd.
TEST(SystemdTest, SviddCommandLinesAndConfigPassCheckConfig) {
  const auto settings = UnitSettings(ReadSource("deploy/systemd/svidd.service"));
  int checked = 0;
  for (const char* key : {"ExecStartPre", "ExecStart"}) {
    auto range = settings.equal_range(key);
    for (auto it = range.first; it != range.second; ++it) {
      SCOPED_TRACE(it->second);
      std::vector<std::string> words = SplitCommandLine(it->second);
      ASSERT_FALSE(words.empty());
      ASSERT_EQ(words[0], std::string(kInstalled) + "svidd");
      std::vector<std::string> args;
      for (size_t i = 1; i < words.size(); ++i) {
        if (words[i] == "--check-config") continue;  // CheckConfig adds it
        args.push_back(words[i] == "/etc/svidd/svidd.yaml"
                           ? SourcePath("deploy/systemd/svidd.yaml").string()
                           : words[i]);
      }
      CommandResult r = CheckConfig(args);
      EXPECT_EQ(r.exit_code, 0) << r.err;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 2);
}

TEST(SystemdTest, AgentFlagsAreSvidAgentFlags) {
  const auto settings = UnitSettings(ReadSource("deploy/systemd/svid-agent@.service"));
  ASSERT_EQ(settings.count("ExecStart"), 1u);
  const std::vector<std::string> words = SplitCommandLine(settings.find("ExecStart")->second);
  ASSERT_EQ(words[0], std::string(kInstalled) + "svid-agent");
  CommandResult help = RunCommand({SVID_AGENT_BINARY, "--help"});
  ASSERT_EQ(help.exit_code, 0) << help.err;
  const auto flags = LongFlags(words);
  EXPECT_GE(flags.size(), 4u);
  for (const std::string& flag : flags) {
    // In CLI11's help a flag is followed by a space, a comma or the end of the line.
    const bool known = help.out.find(flag + " ") != std::string::npos ||
                       help.out.find(flag + ",") != std::string::npos ||
                       help.out.find(flag + "\n") != std::string::npos;
    EXPECT_TRUE(known) << flag << " is not a svid-agent flag";
  }
}

}  // namespace
}  // namespace svidd::testing
