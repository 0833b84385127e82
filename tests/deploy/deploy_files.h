// What the deploy/ tests share: the files in the source tree, the tools they run (svidd
// --check-config, kubectl, promtool, systemd-analyze, dpkg) and the parsing of the command
// lines that manifests, unit files and the Dockerfile hold.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "integration/child_process.h"

namespace svidd::testing {

std::filesystem::path SourcePath(const std::string& relative);  // under the checkout
std::string ReadSource(const std::string& relative);            // "" and a failure if absent

// The absolute path of `tool` on PATH, or "" if there is none.
std::string FindTool(const std::string& tool);

// Runs argv with argv[0] looked up on PATH (RunCommand itself does not search PATH).
CommandResult RunTool(std::vector<std::string> argv);

// `svidd --check-config ARGS...`.
CommandResult CheckConfig(const std::vector<std::string>& args);

// Splits a command line the way the shell and systemd do for the simple cases the unit files
// use: whitespace separates, "double" and 'single' quotes group.
std::vector<std::string> SplitCommandLine(const std::string& line);

// The --long-flags among `args` (the part before any '='), in order.
std::vector<std::string> LongFlags(const std::vector<std::string>& args);

// Writes `content` to `path` (a test failure if that fails).
void WriteTestFile(const std::filesystem::path& path, const std::string& content);

}  // namespace svidd::testing
