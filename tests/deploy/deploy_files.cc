#include "deploy/deploy_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "svidd/common/atomic_file.h"

namespace svidd::testing {

std::filesystem::path SourcePath(const std::string& relative) {
  return std::filesystem::path(SVIDD_SOURCE_DIR) / relative;
}

std::string ReadSource(const std::string& relative) {
  auto text = ReadFileToString(SourcePath(relative));
  EXPECT_TRUE(text.ok()) << relative << ": " << text.status();
  return text.ok() ? *text : "";
}

std::string FindTool(const std::string& tool) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::filesystem::path candidate = std::filesystem::path(dir) / tool;
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

CommandResult RunTool(std::vector<std::string> argv) {
  const std::string path = FindTool(argv.at(0));
  EXPECT_FALSE(path.empty()) << argv[0] << " is not installed";
  if (!path.empty()) argv[0] = path;
  return RunCommand(argv);
}

CommandResult CheckConfig(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {SVIDD_BINARY, "--check-config"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, std::chrono::seconds(30));
}

std::vector<std::string> SplitCommandLine(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (char c : line) {
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else {
        word += c;
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

std::vector<std::string> LongFlags(const std::vector<std::string>& args) {
  std::vector<std::string> flags;
  for (const std::string& a : args) {
    if (a.rfind("--", 0) == 0 && a.size() > 2) flags.push_back(a.substr(0, a.find('=')));
  }
  return flags;
}

void WriteTestFile(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path);
  out << content;
  out.close();
  ASSERT_TRUE(out) << "cannot write " << path;
}

}  // namespace svidd::testing
