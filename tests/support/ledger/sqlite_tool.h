// The sqlite3 command-line tool, as someone tampering with a ledger would use it.
#pragma once

#include <filesystem>
#include <string>

#include "absl/status/statusor.h"

namespace svidd::testing {

// Runs `sqlite3 -bail <db> <sql>`; its output (stdout and stderr), or an error holding the
// output if it exits non-zero.
absl::StatusOr<std::string> RunSqlite3(const std::filesystem::path& db, const std::string& sql);

// `sql` preceded by dropping the schema's guard triggers (migrations/0003_event_log.sql),
// which is the first thing a tamperer does.
std::string WithoutGuards(const std::string& sql);

}  // namespace svidd::testing
