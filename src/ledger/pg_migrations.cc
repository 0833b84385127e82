#include "ledger/pg_migrations.h"

#include "absl/strings/str_cat.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"

namespace svidd::ledger::internal {
namespace {

// pg_advisory_lock key of the migration runner: "svidd" + "mig" in ASCII, any fixed number.
constexpr char kLockKey[] = "7378766464006d67";

constexpr char kCreatePgMigrationsTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

class PgMigrationTarget final : public MigrationTarget {
 public:
  explicit PgMigrationTarget(PgConnection& conn) : conn_(conn) {}

  absl::StatusOr<int> SchemaVersion() override { return ReadPostgresSchemaVersion(conn_); }
  absl::Status CreateMigrationsTable() override {
    return conn_.Exec(kCreatePgMigrationsTable).status();
  }
  absl::Status ApplyInTransaction(const Migration& m, TimePoint now) override {
    return conn_.InTransaction([&]() -> absl::Status {
      SVIDD_RETURN_IF_ERROR(conn_.ExecScript(m.sql));
      return conn_
          .Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                {std::to_string(m.version), m.name, std::to_string(ToUnixSeconds(now))})
          .status();
    });
  }
  const char* NewerSchemaAdvice() const override {
    return "run a newer svidd, or restore a backup made by this version";
  }

 private:
  PgConnection& conn_;
};

}  // namespace

std::vector<Migration> EmbeddedPostgresMigrations() {
  return MigrationsFrom(kEmbeddedPostgresMigrations, kEmbeddedPostgresMigrationsCount);
}

absl::StatusOr<int> ReadPostgresSchemaVersion(PgConnection& conn) {
  SVIDD_ASSIGN_OR_RETURN(PgResult has,
                         conn.Exec("SELECT to_regclass('schema_migrations') IS NOT NULL", {},
                                   PgConnection::Resend::kIfLostWhileIdle));
  if (has.Text(0, 0) != "t") return 0;
  SVIDD_ASSIGN_OR_RETURN(PgResult max,
                         conn.Exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {},
                                   PgConnection::Resend::kIfLostWhileIdle));
  SVIDD_ASSIGN_OR_RETURN(int64_t version, max.Int64(0, 0));
  return static_cast<int>(version);
}

// The plan is made and carried out under the advisory lock: replicas starting together
// migrate one after the other, and the later ones find the work done.
absl::Status ApplyPostgresMigrations(PgConnection& conn, const std::vector<Migration>& migrations,
                                     TimePoint now) {
  SVIDD_RETURN_IF_ERROR(
      conn.Exec(absl::StrCat("SELECT pg_advisory_lock(x'", kLockKey, "'::bigint)"), {},
                PgConnection::Resend::kIfLostWhileIdle)
          .status());
  PgMigrationTarget target(conn);
  absl::Status status = ApplyMigrations(target, migrations, now);
  absl::Status unlocked =
      conn.Exec(absl::StrCat("SELECT pg_advisory_unlock(x'", kLockKey, "'::bigint)"), {},
                PgConnection::Resend::kIfLostWhileIdle)
          .status();
  return status.ok() ? unlocked : status;
}

absl::Status CheckPostgresSchemaIsCurrent(PgConnection& conn, int latest) {
  PgMigrationTarget target(conn);
  return CheckSchemaIsCurrent(target, latest);
}

}  // namespace svidd::ledger::internal
