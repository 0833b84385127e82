// deploy/docker/Dockerfile, as far as it can be checked without a Docker engine: two stages on
// Debian 12; the final one installs exactly the packages that hold the shared libraries the
// built programs load (recomputed here with ldd and dpkg -S), runs as a non-root user, and
// starts svidd with flags and a configuration that `svidd --check-config` accepts; the build
// stage installs nothing tools/setup-deps.sh does not.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "deploy/deploy_files.h"
#include "deploy/dockerfile.h"
#include "support/ledger/temp_dir.h"

namespace svidd::testing {
namespace {

std::vector<DockerStage> Stages() {
  return ParseDockerfile(ReadSource("deploy/docker/Dockerfile"));
}

// The resolved paths of the shared libraries `binary` loads (ldd), each with its real path and
// its /lib <-> /usr/lib twin (Debian 12's merged /usr: dpkg knows a file by one of them).
std::map<std::string, std::vector<std::string>> LoadedLibraries(const std::string& binary) {
  CommandResult ldd = RunTool({"ldd", binary});
  EXPECT_EQ(ldd.exit_code, 0) << ldd.err;
  std::map<std::string, std::vector<std::string>> libraries;
  std::stringstream lines(ldd.out);
  std::string line;
  const std::regex resolved(R"(=>\s+(/\S+))");
  while (std::getline(lines, line)) {
    EXPECT_EQ(line.find("not found"), std::string::npos) << line;
    std::smatch m;
    if (!std::regex_search(line, m, resolved)) continue;  // linux-vdso, the loader
    std::vector<std::string> paths = {m[1].str(), std::filesystem::canonical(m[1].str()).string()};
    for (std::string p : std::vector<std::string>(paths)) {
      if (p.rfind("/usr/lib/", 0) == 0) paths.push_back(p.substr(4));
      if (p.rfind("/lib/", 0) == 0) paths.push_back("/usr" + p);
    }
    libraries[m[1].str()] = paths;
  }
  return libraries;
}

// path -> package, for every path dpkg knows (one dpkg -S for all of them).
std::map<std::string, std::string> Owners(const std::set<std::string>& paths) {
  std::vector<std::string> argv = {"dpkg", "-S"};
  argv.insert(argv.end(), paths.begin(), paths.end());
  CommandResult r = RunTool(argv);  // non-zero when some path is unknown: expected
  std::map<std::string, std::string> owners;
  std::stringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    const size_t sep = line.find(": ");
    if (sep == std::string::npos) continue;
    owners[line.substr(sep + 2)] = line.substr(0, line.find_first_of(":,"));
  }
  return owners;
}

struct InstalledPackage {
  std::string priority;
  std::vector<std::string> depends;  // every alternative of Depends and Pre-Depends
};

// Every installed package, from one dpkg-query.
std::map<std::string, InstalledPackage> InstalledPackages() {
  CommandResult r =
      RunTool({"dpkg-query", "-W", "-f=${Package}\t${Priority}\t${Depends}, ${Pre-Depends}\n"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, InstalledPackage> packages;
  std::stringstream lines(r.out);
  std::string line;
  const std::regex name(R"((?:^|[,|])\s*([a-z0-9][a-z0-9+.\-]+))");
  while (std::getline(lines, line)) {
    std::stringstream fields(line);
    std::string package, priority, depends;
    std::getline(fields, package, '\t');
    std::getline(fields, priority, '\t');
    std::getline(fields, depends);
    InstalledPackage& p = packages[package];
    p.priority = priority;
    for (std::sregex_iterator it(depends.begin(), depends.end(), name), end; it != end; ++it) {
      p.depends.push_back((*it)[1]);
    }
  }
  return packages;
}

// `roots` and everything they depend on, as installed here.
std::set<std::string> WithDependencies(const std::set<std::string>& roots,
                                       const std::map<std::string, InstalledPackage>& installed) {
  std::set<std::string> seen;
  std::vector<std::string> todo(roots.begin(), roots.end());
  while (!todo.empty()) {
    const std::string p = todo.back();
    todo.pop_back();
    if (!seen.insert(p).second) continue;
    if (auto it = installed.find(p); it != installed.end()) {
      todo.insert(todo.end(), it->second.depends.begin(), it->second.depends.end());
    }
  }
  return seen;
}

TEST(DockerfileTest, TwoDebian12StagesAndANonRootRuntime) {
  const auto stages = Stages();
  ASSERT_EQ(stages.size(), 2u);
  EXPECT_EQ(stages[0].from, "debian:12");
  EXPECT_EQ(stages[0].name, "build");
  EXPECT_EQ(stages[1].from, "debian:12-slim");
  EXPECT_FALSE(stages[1].user.empty()) << "the runtime stage must set USER";
  EXPECT_NE(stages[1].user.substr(0, stages[1].user.find(':')), "0");
  EXPECT_NE(stages[1].user.substr(0, stages[1].user.find(':')), "root");
  bool copies_binaries = false;
  for (const auto& i : stages[1].instructions) {
    copies_binaries |= i.find("COPY --from=build") != std::string::npos &&
                       i.find("/build/svidd ") != std::string::npos;
  }
  EXPECT_TRUE(copies_binaries);
}

TEST(DockerfileTest, RuntimeStageInstallsExactlyTheLibrariesTheProgramsLoad) {
  std::map<std::string, std::vector<std::string>> libraries;
  for (const char* binary : {SVIDD_BINARY, SVIDCTL_BINARY, SVID_AGENT_BINARY}) {
    libraries.merge(LoadedLibraries(binary));
  }
  std::set<std::string> paths;
  for (const auto& [library, candidates] : libraries)
    paths.insert(candidates.begin(), candidates.end());
  const auto owners = Owners(paths);
  std::set<std::string> needed;
  for (const auto& [library, candidates] : libraries) {
    std::string package;
    for (const auto& c : candidates) {
      if (auto it = owners.find(c); it != owners.end()) package = it->second;
    }
    EXPECT_FALSE(package.empty()) << "no Debian package ships " << library;
    if (!package.empty()) needed.insert(package);
  }
  ASSERT_TRUE(needed.count("libc6")) << "the lookup works at all";
  ASSERT_TRUE(needed.count("libssl3"));

  const auto installed = InstalledPackages();
  const std::set<std::string> listed = Stages().at(1).apt_packages;
  const std::set<std::string> provided = WithDependencies(listed, installed);
  for (const std::string& p : needed) {
    // Packages of priority "required" are in every Debian image, debian:12-slim included.
    auto it = installed.find(p);
    if (it != installed.end() && it->second.priority == "required") continue;
    EXPECT_TRUE(provided.count(p)) << p << " holds a library the programs load; install it";
  }
  for (const std::string& p : listed) {
    if (p == "ca-certificates") continue;  // for --jwks-url against a public issuer
    EXPECT_TRUE(needed.count(p)) << p << " is installed but holds no library the programs load";
  }
}

TEST(DockerfileTest, BuildStageUsesOnlyPackagesFromSetupDeps) {
  std::set<std::string> words;
  std::stringstream setup(ReadSource("tools/setup-deps.sh"));
  for (std::string word; setup >> word;) words.insert(word);
  const auto build = Stages().at(0).apt_packages;
  EXPECT_GE(build.size(), 10u);
  for (const std::string& p : build) {
    EXPECT_TRUE(words.count(p)) << p << " is not in tools/setup-deps.sh";
  }
}

TEST(DockerfileTest, DefaultCommandPassesCheckConfig) {
  const DockerStage runtime = Stages().at(1);
  ASSERT_EQ(runtime.entrypoint, std::vector<std::string>{"/usr/local/bin/svidd"});
  ASSERT_FALSE(runtime.cmd.empty());
  std::vector<std::string> args;
  for (const std::string& a : runtime.cmd) {
    // A file the image COPYs in from the checkout is checked as it is in the checkout.
    auto copied = runtime.copies.find(a);
    args.push_back(copied != runtime.copies.end() ? SourcePath(copied->second).string() : a);
  }
  CommandResult r = CheckConfig(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace svidd::testing
