#include "svidd/server/config_reload.h"

#include <map>

#include "spdlog/spdlog.h"
#include "svidd/server/log_format.h"
#include "svidd/server/server_flags.h"
#include "yaml-cpp/yaml.h"

namespace svidd::server {
namespace {

// Settings applied without a restart.
bool AppliedLive(const std::string& key) { return key == "log-level" || key == "log-format"; }

std::map<std::string, std::string> Settings(const std::string& yaml) {
  std::map<std::string, std::string> out;
  YAML::Node root = YAML::Load(yaml);
  if (!root.IsMap()) return out;
  for (const auto& entry : root) {
    out[entry.first.as<std::string>()] = YAML::Dump(entry.second);
  }
  return out;
}

}  // namespace

std::string EffectiveConfig(const CLI::App& app) {
  return app.config_to_str(/*default_also=*/true, /*write_description=*/false);
}

absl::StatusOr<std::vector<std::string>> ReloadConfig(int argc, const char* const* argv,
                                                      const std::string& running_config) {
  CLI::App app;
  ServerOptions options;
  ServerFlags flags(app, options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return absl::InvalidArgumentError(std::string("the configuration does not parse: ") + e.what());
  }
  if (absl::Status s = flags.Finish(); !s.ok()) return s;

  std::vector<std::string> restart_needed;
  std::map<std::string, std::string> before = Settings(running_config);
  std::map<std::string, std::string> after = Settings(EffectiveConfig(app));
  for (const auto& [key, value] : after) {
    auto it = before.find(key);
    if ((it == before.end() || it->second != value) && !AppliedLive(key)) {
      restart_needed.push_back(key);
    }
  }
  for (const auto& [key, value] : before) {
    if (!after.contains(key) && !AppliedLive(key)) restart_needed.push_back(key);
  }
  SetLogFormat(*ParseLogFormat(options.log_format));  // validated by Finish()
  (void)SetLogLevel(options.log_level);
  spdlog::info("SIGHUP: configuration re-read; log level {}, log format {}", options.log_level,
               options.log_format);
  for (const std::string& key : restart_needed) {
    spdlog::warn("SIGHUP: {} changed; it takes effect when svidd restarts", key);
  }
  return restart_needed;
}

}  // namespace svidd::server
