#include "svidd/server/log_format.h"

#include <atomic>
#include <chrono>
#include <memory>

#include "nlohmann/json.hpp"
#include "spdlog/pattern_formatter.h"
#include "spdlog/spdlog.h"

namespace svidd::server {
namespace {

std::atomic<LogFormat> current_format{LogFormat::kText};

std::string Rfc3339Millis(spdlog::log_clock::time_point when) {
  const auto since_epoch = when.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
  const std::time_t t = seconds.count();
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[64];  // room for any int the format could print, so nothing is cut
  std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(millis));
  return text;
}

// One JSON object per record. A message that is itself a JSON object (an audit line) is
// merged into it; any other message becomes "msg", escaped by the JSON library.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    nlohmann::ordered_json line;
    line["time"] = Rfc3339Millis(msg.time);
    const auto level = spdlog::level::to_string_view(msg.level);
    line["level"] = std::string(level.data(), level.size());
    line["logger"] = msg.logger_name.size() == 0
                         ? std::string("svidd")
                         : std::string(msg.logger_name.data(), msg.logger_name.size());
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    nlohmann::ordered_json fields;
    if (payload.starts_with("{")) {
      fields = nlohmann::ordered_json::parse(payload, nullptr, /*allow_exceptions=*/false);
    }
    if (fields.is_object()) {
      for (auto& [key, value] : fields.items()) line[key] = value;
    } else {
      line["msg"] = std::string(payload);
    }
    const std::string text =
        line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    dest.append(text.data(), text.data() + text.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

spdlog::level::level_enum AuditLevelFor(spdlog::level::level_enum level) {
  return level == spdlog::level::off ? level : std::min(level, spdlog::level::info);
}

absl::StatusOr<LogFormat> ParseLogFormat(const std::string& name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return absl::InvalidArgumentError("--log-format must be text or json, got \"" + name + "\"");
}

void SetLogFormat(LogFormat format) {
  current_format = format;
  if (format == LogFormat::kJson) {
    spdlog::set_formatter(std::make_unique<JsonFormatter>());
  } else {
    spdlog::set_formatter(std::make_unique<spdlog::pattern_formatter>());
  }
}

LogFormat CurrentLogFormat() { return current_format.load(); }

absl::Status SetLogLevel(const std::string& level) {
  const spdlog::level::level_enum parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    return absl::InvalidArgumentError(
        "--log-level must be trace, debug, info, warn, error, critical or off, got \"" + level +
        "\"");
  }
  spdlog::set_level(parsed);
  if (auto audit = spdlog::get("audit")) audit->set_level(AuditLevelFor(parsed));
  return absl::OkStatus();
}

}  // namespace svidd::server
