// What svidd does on SIGHUP: parses its command line again (so the --config file is read
// afresh, flags still winning), applies the log level and format at once, and names every
// other setting that differs from the running configuration as taking effect only at the
// next start. A file that no longer parses or validates changes nothing.
#pragma once

#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"

namespace svidd::server {

// The effective configuration of a parsed command line, one "key: value" per setting.
std::string EffectiveConfig(const CLI::App& app);

// Re-parses argv against `running_config` (EffectiveConfig of the running process). The keys
// whose values differ and that need a restart; INVALID_ARGUMENT (naming the flag or file) if
// the new configuration does not parse or validate, and then nothing was changed.
absl::StatusOr<std::vector<std::string>> ReloadConfig(int argc, const char* const* argv,
                                                      const std::string& running_config);

}  // namespace svidd::server
