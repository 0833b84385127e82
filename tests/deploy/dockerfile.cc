#include "deploy/dockerfile.h"

#include <sstream>

#include "deploy/deploy_files.h"
#include "nlohmann/json.hpp"

namespace svidd::testing {
namespace {

std::vector<std::string> JoinedInstructions(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream lines(text);
  std::string line, current;
  while (std::getline(lines, line)) {
    const size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    const bool continues = !line.empty() && line.back() == '\\';
    current += (continues ? line.substr(0, line.size() - 1) : line) + " ";
    if (!continues) {
      out.push_back(current);
      current.clear();
    }
  }
  if (!current.empty()) out.push_back(current);
  return out;
}

std::set<std::string> AptInstallPackages(const std::string& run) {
  std::set<std::string> packages;
  const auto words = SplitCommandLine(run);
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    if (words[i] != "apt-get" || words[i + 1] != "install") continue;
    for (size_t j = i + 2; j < words.size() && words[j] != "&&"; ++j) {
      if (words[j][0] != '-') packages.insert(words[j]);
    }
  }
  return packages;
}

std::vector<std::string> ExecForm(const std::string& rest) {
  std::vector<std::string> out;
  auto json = nlohmann::json::parse(rest, nullptr, /*allow_exceptions=*/false);
  if (!json.is_array()) return out;
  for (const auto& v : json) out.push_back(v.get<std::string>());
  return out;
}

}  // namespace

std::vector<DockerStage> ParseDockerfile(const std::string& text) {
  std::vector<DockerStage> stages;
  for (const std::string& instruction : JoinedInstructions(text)) {
    const auto words = SplitCommandLine(instruction);
    if (words.empty()) continue;
    const std::string& op = words[0];
    const std::string rest = instruction.substr(instruction.find(op) + op.size());
    if (op == "FROM") {
      DockerStage stage;
      stage.from = words.size() > 1 ? words[1] : "";
      if (words.size() > 3 && (words[2] == "AS" || words[2] == "as")) stage.name = words[3];
      stages.push_back(std::move(stage));
      continue;
    }
    if (stages.empty()) continue;
    DockerStage& stage = stages.back();
    stage.instructions.push_back(instruction);
    if (op == "RUN") {
      for (const auto& p : AptInstallPackages(rest)) stage.apt_packages.insert(p);
    } else if (op == "COPY" && words.size() == 3 && words[1].rfind("--", 0) != 0) {
      stage.copies[words[2]] = words[1];
    } else if (op == "ENTRYPOINT") {
      stage.entrypoint = ExecForm(rest);
    } else if (op == "CMD") {
      stage.cmd = ExecForm(rest);
    } else if (op == "USER" && words.size() > 1) {
      stage.user = words[1];
    }
  }
  return stages;
}

}  // namespace svidd::testing
