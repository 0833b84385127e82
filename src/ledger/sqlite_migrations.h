// The SQLite side of the migration runner (migration_runner.h): migrations/*.sql, embedded at
// build time, applied on a sqlite3 handle. Each migration runs in BEGIN IMMEDIATE and re-reads
// the version inside it, so two processes migrating one file at once apply each step once.
#pragma once

#include <sqlite3.h>

#include <functional>
#include <map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/migration_runner.h"
#include "svidd/common/clock.h"

namespace svidd::ledger::internal {

// A step SQL cannot do (hashing), run right after a migration's SQL in its transaction.
using SqliteMigrationStep = std::function<absl::Status(sqlite3*)>;
// Such steps by the version they follow.
using SqliteMigrationSteps = std::map<int, SqliteMigrationStep>;

// The migrations compiled into this binary, ascending.
std::vector<Migration> EmbeddedMigrations();

// Highest applied version; 0 for a database that has never been migrated.
absl::StatusOr<int> ReadSchemaVersion(sqlite3* db);

// ApplyMigrations of migration_runner.h on `db`, with `after_sql` run after the migrations
// they name.
absl::Status ApplyMigrations(sqlite3* db, const std::vector<Migration>& migrations, TimePoint now,
                             const SqliteMigrationSteps& after_sql = {});

// CheckSchemaIsCurrent of migration_runner.h on `db`.
absl::Status CheckSchemaIsCurrent(sqlite3* db, int latest);

}  // namespace svidd::ledger::internal
