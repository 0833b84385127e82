// Schema migrations: the versions a database has had applied are rows of schema_migrations
// (version, name, applied_at); missing ones are applied in order, each in its own
// transaction. A database newer than this binary is refused, never touched.
#pragma once

#include <sqlite3.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "svidd/common/clock.h"

namespace svidd::internal {

struct Migration {
  int version = 0;
  std::string name;  // file name, e.g. "0001_init.sql"
  std::string sql;
  // A step SQL cannot do (hashing), run right after `sql` in the same transaction.
  std::function<absl::Status(sqlite3*)> after_sql = nullptr;
};

// The migrations compiled into this binary, ascending.
std::vector<Migration> EmbeddedMigrations();

// Highest applied version; 0 for a database that has never been migrated.
absl::StatusOr<int> ReadSchemaVersion(sqlite3* db);

// Applies every migration in `migrations` (ascending versions) newer than the database.
// FAILED_PRECONDITION "ledger schema version N is newer than this svidd (knows up to M)".
// Safe against another process migrating the same file at the same time.
absl::Status ApplyMigrations(sqlite3* db, const std::vector<Migration>& migrations, TimePoint now);

// For read-only opens, which never migrate: FAILED_PRECONDITION unless the database is at
// exactly `latest`.
absl::Status CheckSchemaIsCurrent(sqlite3* db, int latest);

}  // namespace svidd::internal
