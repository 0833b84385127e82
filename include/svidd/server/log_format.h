// How svidd writes its log: plain text (the default) or one JSON object per line for log
// collectors (--log-format json):
//   {"time":"2026-01-02T03:04:05.678Z","level":"info","logger":"svidd","msg":"..."}
// Audit lines (audit_log.h) carry their fields as top-level keys of that object instead of
// inside "msg".
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "spdlog/common.h"

namespace svidd::server {

enum class LogFormat { kText, kJson };

// "text" or "json"; INVALID_ARGUMENT otherwise.
absl::StatusOr<LogFormat> ParseLogFormat(const std::string& name);
// Applies to every spdlog logger, present and future (the default one and "audit").
void SetLogFormat(LogFormat format);
LogFormat CurrentLogFormat();
// "trace" ... "off"; INVALID_ARGUMENT for anything else (spdlog would silently take "off").
// Audit lines are written at any level but "off" (AuditLevelFor).
absl::Status SetLogLevel(const std::string& level);
spdlog::level::level_enum AuditLevelFor(spdlog::level::level_enum level);

}  // namespace svidd::server
