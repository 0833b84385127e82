// deploy/docker/Dockerfile read back for the tests: its stages, the packages each stage's
// `apt-get install` names, the files it COPYs in from the checkout and the final command.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace svidd::testing {

struct DockerStage {
  std::string from;                           // "debian:12-slim"
  std::string name;                           // "build", or "" without AS
  std::vector<std::string> instructions;      // continuation lines joined
  std::set<std::string> apt_packages;         // from every `apt-get install`
  std::map<std::string, std::string> copies;  // destination -> source, COPY from the context
  std::vector<std::string> entrypoint, cmd;   // exec form (JSON arrays)
  std::string user;
};

std::vector<DockerStage> ParseDockerfile(const std::string& text);

}  // namespace svidd::testing
