#include "ledger/pg_migrations.h"

#include "absl/strings/str_cat.h"
#include "ledger/embedded_migrations.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"

namespace svidd::internal {
namespace {

// pg_advisory_lock key of the migration runner: "svidd" + "mig" in ASCII, any fixed number.
constexpr char kLockKey[] = "7378766464006d67";

constexpr char kCreateMigrationsTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

absl::Status NewerThanKnown(int version, int latest) {
  return absl::FailedPreconditionError(
      absl::StrCat("ledger schema version ", version, " is newer than this svidd (knows up to ",
                   latest, "); run a newer svidd, or restore a backup made by this version"));
}

absl::Status ApplyLocked(PgConnection& conn, const std::vector<Migration>& migrations,
                         TimePoint now) {
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  SVIDD_ASSIGN_OR_RETURN(int version, ReadPostgresSchemaVersion(conn));
  if (version > latest) return NewerThanKnown(version, latest);
  if (version == latest) return absl::OkStatus();
  SVIDD_RETURN_IF_ERROR(conn.Exec(kCreateMigrationsTable).status());
  for (const Migration& m : migrations) {
    if (m.version <= version) continue;
    absl::Status applied = conn.InTransaction([&]() -> absl::Status {
      SVIDD_RETURN_IF_ERROR(conn.ExecScript(m.sql));
      return conn
          .Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                {std::to_string(m.version), m.name, std::to_string(ToUnixSeconds(now))})
          .status();
    });
    if (!applied.ok()) {
      return absl::Status(applied.code(),
                          absl::StrCat("applying migration ", m.name, ": ", applied.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<Migration> EmbeddedPostgresMigrations() {
  std::vector<Migration> out;
  for (size_t i = 0; i < kEmbeddedPostgresMigrationsCount; ++i) {
    const EmbeddedMigration& m = kEmbeddedPostgresMigrations[i];
    out.push_back(Migration{m.version, m.name, m.sql});
  }
  return out;
}

absl::StatusOr<int> ReadPostgresSchemaVersion(PgConnection& conn) {
  SVIDD_ASSIGN_OR_RETURN(PgResult has,
                         conn.Exec("SELECT to_regclass('schema_migrations') IS NOT NULL"));
  if (has.Text(0, 0) != "t") return 0;
  SVIDD_ASSIGN_OR_RETURN(PgResult max,
                         conn.Exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  return static_cast<int>(max.Int64(0, 0));
}

absl::Status ApplyPostgresMigrations(PgConnection& conn, const std::vector<Migration>& migrations,
                                     TimePoint now) {
  for (size_t i = 1; i < migrations.size(); ++i) {
    if (migrations[i].version <= migrations[i - 1].version) {
      return absl::InternalError(absl::StrCat("migrations out of order at ", migrations[i].name));
    }
  }
  SVIDD_RETURN_IF_ERROR(
      conn.Exec(absl::StrCat("SELECT pg_advisory_lock(x'", kLockKey, "'::bigint)")).status());
  absl::Status status = ApplyLocked(conn, migrations, now);
  absl::Status unlocked =
      conn.Exec(absl::StrCat("SELECT pg_advisory_unlock(x'", kLockKey, "'::bigint)")).status();
  return status.ok() ? unlocked : status;
}

absl::Status CheckPostgresSchemaIsCurrent(PgConnection& conn, int latest) {
  SVIDD_ASSIGN_OR_RETURN(int version, ReadPostgresSchemaVersion(conn));
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
