// Schema migrations, for either engine: the versions a database has had applied are rows of
// schema_migrations (version, name, applied_at); missing ones are applied in order, each in its
// own transaction. A database newer than this binary is refused, never touched. The engine
// (sqlite_migrations.h, pg_migrations.h) says how to read the version and how to apply one
// migration; the plan — which to apply, in which order, what to refuse — is decided here once.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/embedded_migrations.h"
#include "svidd/common/clock.h"

namespace svidd::ledger::internal {

struct Migration {
  int version = 0;
  std::string name;  // file name, e.g. "0001_init.sql"
  std::string sql;
};

// `count` embedded migrations (embedded_migrations.h) as values, in the same order.
std::vector<Migration> MigrationsFrom(const EmbeddedMigration* embedded, size_t count);

// One database, as the runner sees it. Implemented per engine.
class MigrationTarget {
 public:
  virtual ~MigrationTarget() = default;
  // Highest applied version; 0 for a database that has never been migrated.
  virtual absl::StatusOr<int> SchemaVersion() = 0;
  virtual absl::Status CreateMigrationsTable() = 0;
  // In one transaction: `m`'s SQL (and any step of the engine's own), then its
  // schema_migrations row stamped `now`.
  virtual absl::Status ApplyInTransaction(const Migration& m, TimePoint now) = 0;
  // What a database newer than this binary's migrations tells the operator to do.
  virtual const char* NewerSchemaAdvice() const = 0;
};

// Applies every migration in `migrations` (ascending versions) newer than the database.
// FAILED_PRECONDITION "ledger schema version N is newer than this svidd (knows up to M)";
// INTERNAL if `migrations` is not ascending.
absl::Status ApplyMigrations(MigrationTarget& target, const std::vector<Migration>& migrations,
                             TimePoint now);

// For read-only opens, which never migrate: FAILED_PRECONDITION unless the database is at
// exactly `latest`.
absl::Status CheckSchemaIsCurrent(MigrationTarget& target, int latest);

}  // namespace svidd::ledger::internal
