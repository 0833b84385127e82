#include "ledger/migration_runner.h"

#include "absl/strings/str_cat.h"
#include "ledger/embedded_migrations.h"
#include "ledger/sqlite_handle.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"

namespace svidd::internal {
namespace {

constexpr char kCreateMigrationsTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "  version    INTEGER PRIMARY KEY,"
    "  name       TEXT    NOT NULL,"
    "  applied_at INTEGER NOT NULL)";

absl::Status NewerThanKnown(int version, int latest) {
  return absl::FailedPreconditionError(absl::StrCat("ledger schema version ", version,
                                                    " is newer than this svidd (knows up to ",
                                                    latest, "); upgrade svidd"));
}

absl::Status CheckAscending(const std::vector<Migration>& migrations) {
  for (size_t i = 1; i < migrations.size(); ++i) {
    if (migrations[i].version <= migrations[i - 1].version) {
      return absl::InternalError(absl::StrCat("migration ", migrations[i].name,
                                              " is out of order or duplicates a version"));
    }
  }
  return absl::OkStatus();
}

// Applies `m` unless another process got there first. Runs inside a write transaction.
absl::Status ApplyOne(sqlite3* db, const Migration& m, TimePoint now) {
  SVIDD_ASSIGN_OR_RETURN(int version, ReadSchemaVersion(db));
  if (version >= m.version) return absl::OkStatus();
  absl::Status status = Exec(db, m.sql.c_str());
  if (status.ok() && m.after_sql) status = m.after_sql(db);
  if (!status.ok()) {
    return absl::Status(status.code(),
                        absl::StrCat("applying migration ", m.name, ": ", status.message()));
  }
  SVIDD_ASSIGN_OR_RETURN(
      Statement insert,
      Statement::Prepare(db,
                         "INSERT INTO schema_migrations (version, name, applied_at) "
                         "VALUES (?1, ?2, ?3)"));
  insert.BindInt64(1, m.version);
  insert.BindText(2, m.name);
  insert.BindInt64(3, ToUnixSeconds(now));
  return insert.Run();
}

}  // namespace

std::vector<Migration> EmbeddedMigrations() {
  std::vector<Migration> out;
  for (size_t i = 0; i < kEmbeddedMigrationsCount; ++i) {
    const EmbeddedMigration& m = kEmbeddedMigrations[i];
    out.push_back(Migration{m.version, m.name, m.sql});
  }
  return out;
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

absl::Status ApplyMigrations(sqlite3* db, const std::vector<Migration>& migrations, TimePoint now) {
  SVIDD_RETURN_IF_ERROR(CheckAscending(migrations));
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  SVIDD_ASSIGN_OR_RETURN(int version, ReadSchemaVersion(db));
  if (version > latest) return NewerThanKnown(version, latest);
  if (version == latest) return absl::OkStatus();
  SVIDD_RETURN_IF_ERROR(Exec(db, kCreateMigrationsTable));
  for (const Migration& m : migrations) {
    if (m.version <= version) continue;
    SVIDD_RETURN_IF_ERROR(InImmediateTransaction(db, [&] { return ApplyOne(db, m, now); }));
  }
  return absl::OkStatus();
}

absl::Status CheckSchemaIsCurrent(sqlite3* db, int latest) {
  SVIDD_ASSIGN_OR_RETURN(int version, ReadSchemaVersion(db));
  if (version > latest) return NewerThanKnown(version, latest);
  if (version == 0) {
    return absl::FailedPreconditionError(
        "ledger has no svidd schema (never opened by svidd); start svidd once to create it");
  }
  if (version < latest) {
    return absl::FailedPreconditionError(
        absl::StrCat("ledger schema version ", version, " is older than this svidd requires (",
                     latest, "); start the matching svidd once so it migrates the ledger"));
  }
  return absl::OkStatus();
}

}  // namespace svidd::internal
