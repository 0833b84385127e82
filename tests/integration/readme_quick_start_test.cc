// The README's no-cluster quick start, run as the README writes it: its code blocks are read
// from README.md and each line is run with /bin/sh in a fresh directory, with only the
// binaries' directory (build/), tools/run.sh (svidd with the flags run.sh adds) and the port
// substituted. If the README changes, this test runs the new lines.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "integration/child_process.h"
#include "integration/test_env.h"
#include "svidd/common/atomic_file.h"

namespace svidd::testing {
namespace {

using std::chrono::seconds;
using Steady = std::chrono::steady_clock;

constexpr char kQuickStartStart[] = "To try it end to end without a cluster";
constexpr char kQuickStartEnd[] = "The ledger is tamper-evident";
constexpr char kReadmePort[] = "15012";

std::string ReadSource(const std::string& relative) {
  return ReadFileToString(std::filesystem::path(SVIDD_SOURCE_DIR) / relative).value();
}

// The shell commands of the quick start's ```sh blocks: continuation lines joined, comments
// (a '#' after whitespace, or a whole line) dropped.
std::vector<std::string> QuickStartCommands(const std::string& readme) {
  const size_t from = readme.find(kQuickStartStart);
  const size_t to = readme.find(kQuickStartEnd, from);
  if (from == std::string::npos || to == std::string::npos) return {};
  std::vector<std::string> commands;
  bool in_block = false;
  std::string pending;
  for (absl::string_view line : absl::StrSplit(readme.substr(from, to - from), '\n')) {
    if (absl::StartsWith(line, "```")) {
      in_block = !in_block && line == "```sh";
      continue;
    }
    if (!in_block) continue;
    std::string text(line);
    if (size_t hash = text.find(" #"); hash != std::string::npos) text.resize(hash);
    if (absl::StartsWith(absl::StripLeadingAsciiWhitespace(text), "#")) continue;
    text = std::string(absl::StripTrailingAsciiWhitespace(text));
    if (absl::EndsWith(text, "\\")) {
      pending += text.substr(0, text.size() - 1);
      continue;
    }
    pending += text;
    if (!absl::StripAsciiWhitespace(pending).empty()) {
      commands.push_back(std::string(absl::StripAsciiWhitespace(pending)));
    }
    pending.clear();
  }
  return commands;
}

// What tools/run.sh runs: its exec line's program and flags, before "$@".
std::string RunShExec(const std::string& run_sh) {
  for (absl::string_view line : absl::StrSplit(run_sh, '\n')) {
    if (!absl::ConsumePrefix(&line, "exec ./build/")) continue;
    absl::ConsumeSuffix(&line, "\"$@\"");
    return "build/" + std::string(absl::StripTrailingAsciiWhitespace(line));
  }
  return "";
}

bool Listening(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

template <typename Predicate>
bool WaitUntil(Predicate done, seconds timeout) {
  const auto deadline = Steady::now() + timeout;
  while (!done()) {
    if (Steady::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

class ReadmeQuickStartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    build_dir_ = std::filesystem::path(SVIDD_BINARY).parent_path().string();
    port_ = FreeLoopbackPort();
    ASSERT_NE(port_, 0);
  }

  // The README's line as it runs here: in the temp dir, with this build and this port. One
  // pass: tools/run.sh becomes its exec line, then build/ and the port are replaced in both.
  std::string Localize(const std::string& command) const {
    const std::string run_sh = RunShExec(ReadSource("tools/run.sh"));
    EXPECT_FALSE(run_sh.empty()) << "no `exec ./build/...` line in tools/run.sh";
    const std::string expanded = absl::StrReplaceAll(command, {{"tools/run.sh", run_sh}});
    return "cd '" + dir_.path().string() + "' && exec " +
           absl::StrReplaceAll(
               expanded, {{"build/", build_dir_ + "/"}, {kReadmePort, std::to_string(port_)}});
  }

  std::unique_ptr<ChildProcess> Start(const std::string& command, const std::string& log) {
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{"/bin/sh", "-c", Localize(command)}, dir_.path() / log);
  }

  std::filesystem::path Path(const std::string& relative) const { return dir_.path() / relative; }

  TempDir dir_;
  std::string build_dir_;
  int port_ = 0;
};

TEST_F(ReadmeQuickStartTest, RunsAsWritten) {
  const std::vector<std::string> commands = QuickStartCommands(ReadSource("README.md"));
  ASSERT_FALSE(commands.empty()) << "no quick start found in README.md";
  std::unique_ptr<ChildProcess> svidd, agent;
  int svidctl_commands = 0;
  bool verified = false;
  for (const std::string& command : commands) {
    SCOPED_TRACE(command);
    if (absl::StartsWith(command, "tools/build.sh")) continue;  // the test runs on this build
    if (absl::StartsWith(command, "tools/run.sh")) {
      // The README's flags as written; it must start with them and serve on its port.
      ASSERT_NE(command.find("--max-ttl 30s --ca-ttl 10m"), std::string::npos);
      svidd = Start(command, "svidd.log");
      ASSERT_TRUE(WaitUntil([&] { return !svidd->running() || Listening(port_); }, seconds(60)));
      ASSERT_TRUE(svidd->running()) << svidd->log();
      continue;
    }
    if (absl::StartsWith(command, "build/svid-agent")) {
      ASSERT_NE(svidd, nullptr) << "the agent comes after svidd";
      agent = Start(command, "agent.log");
      ASSERT_TRUE(WaitUntil(
          [&] {
            return !agent->running() || std::filesystem::exists(Path("var/agent/cert-chain.pem"));
          },
          seconds(60)))
          << agent->log();
      ASSERT_TRUE(agent->running()) << agent->log() << "\nsvidd:\n" << svidd->log();
      continue;
    }
    // Everything else runs to completion and must exit 0.
    CommandResult run = RunCommand({"/bin/sh", "-c", Localize(command)}, seconds(120));
    EXPECT_EQ(run.exit_code, 0) << run.out << run.err << (svidd ? "\nsvidd:\n" + svidd->log() : "");
    if (absl::StartsWith(command, "build/svidctl")) ++svidctl_commands;
    if (absl::StartsWith(command, "openssl verify")) {
      verified = run.exit_code == 0;
      EXPECT_NE(command.find("-x509_strict"), std::string::npos);
    }
  }
  EXPECT_NE(svidd, nullptr) << "the quick start starts svidd";
  EXPECT_NE(agent, nullptr) << "the quick start starts svid-agent";
  EXPECT_TRUE(verified) << "the quick start checks the agent's files with openssl verify";
  EXPECT_GE(svidctl_commands, 5);
  if (agent != nullptr) {
    EXPECT_EQ(agent->StopWith(SIGTERM), 0) << agent->log();
  }
  if (svidd != nullptr) {
    EXPECT_EQ(svidd->StopWith(SIGTERM), 0) << svidd->log();
  }
}

}  // namespace
}  // namespace svidd::testing
