#include "ledger/sqlite_migrations.h"

#include "ledger/sqlite_handle.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"

namespace svidd::ledger::internal {
namespace {

constexpr char kCreateMigrationsTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "  version    INTEGER PRIMARY KEY,"
    "  name       TEXT    NOT NULL,"
    "  applied_at INTEGER NOT NULL)";

class SqliteMigrationTarget final : public MigrationTarget {
 public:
  SqliteMigrationTarget(sqlite3* db, SqliteMigrationSteps after_sql)
      : db_(db), after_sql_(std::move(after_sql)) {}

  absl::StatusOr<int> SchemaVersion() override { return ReadSchemaVersion(db_); }
  absl::Status CreateMigrationsTable() override { return Exec(db_, kCreateMigrationsTable); }
  absl::Status ApplyInTransaction(const Migration& m, TimePoint now) override {
    return InImmediateTransaction(db_, [&] { return ApplyUnlessDone(m, now); });
  }
  const char* NewerSchemaAdvice() const override { return "upgrade svidd"; }

 private:
  // Inside the write transaction: another process may have applied `m` since the plan was made.
  absl::Status ApplyUnlessDone(const Migration& m, TimePoint now) {
    SVIDD_ASSIGN_OR_RETURN(int version, ReadSchemaVersion(db_));
    if (version >= m.version) return absl::OkStatus();
    SVIDD_RETURN_IF_ERROR(Exec(db_, m.sql.c_str()));
    auto step = after_sql_.find(m.version);
    if (step != after_sql_.end()) SVIDD_RETURN_IF_ERROR(step->second(db_));
    SVIDD_ASSIGN_OR_RETURN(
        Statement insert,
        Statement::Prepare(db_,
                           "INSERT INTO schema_migrations (version, name, applied_at) "
                           "VALUES (?1, ?2, ?3)"));
    insert.BindInt64(1, m.version);
    insert.BindText(2, m.name);
    insert.BindInt64(3, ToUnixSeconds(now));
    return insert.Run();
  }

  sqlite3* const db_;  // borrowed
  const SqliteMigrationSteps after_sql_;
};

}  // namespace

std::vector<Migration> EmbeddedMigrations() {
  return MigrationsFrom(kEmbeddedMigrations, kEmbeddedMigrationsCount);
}

absl::StatusOr<int> ReadSchemaVersion(sqlite3* db) {
  SVIDD_ASSIGN_OR_RETURN(Statement has_table,
                         Statement::Prepare(db,
                                            "SELECT 1 FROM sqlite_master WHERE type = "
                                            "'table' AND name = 'schema_migrations'"));
  SVIDD_ASSIGN_OR_RETURN(bool exists, has_table.Step());
  if (!exists) return 0;
  SVIDD_ASSIGN_OR_RETURN(
      Statement max,
      Statement::Prepare(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  SVIDD_ASSIGN_OR_RETURN(bool row, max.Step());
  if (!row) return 0;
  return static_cast<int>(max.ColumnInt64(0));
}

absl::Status ApplyMigrations(sqlite3* db, const std::vector<Migration>& migrations, TimePoint now,
                             const SqliteMigrationSteps& after_sql) {
  SqliteMigrationTarget target(db, after_sql);
  return ApplyMigrations(target, migrations, now);
}

absl::Status CheckSchemaIsCurrent(sqlite3* db, int latest) {
  SqliteMigrationTarget target(db, /*after_sql=*/{});
  return CheckSchemaIsCurrent(target, latest);
}

}  // namespace svidd::ledger::internal
