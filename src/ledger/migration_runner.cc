#include "ledger/migration_runner.h"

#include "absl/strings/str_cat.h"
#include "svidd/common/status_macros.h"

namespace svidd::ledger::internal {
namespace {

absl::Status NewerThanKnown(const MigrationTarget& target, int version, int latest) {
  return absl::FailedPreconditionError(absl::StrCat("ledger schema version ", version,
                                                    " is newer than this svidd (knows up to ",
                                                    latest, "); ", target.NewerSchemaAdvice()));
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

}  // namespace

std::vector<Migration> MigrationsFrom(const EmbeddedMigration* embedded, size_t count) {
  std::vector<Migration> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    out.push_back(Migration{embedded[i].version, embedded[i].name, embedded[i].sql});
  }
  return out;
}

absl::Status ApplyMigrations(MigrationTarget& target, const std::vector<Migration>& migrations,
                             TimePoint now) {
  SVIDD_RETURN_IF_ERROR(CheckAscending(migrations));
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  SVIDD_ASSIGN_OR_RETURN(int version, target.SchemaVersion());
  if (version > latest) return NewerThanKnown(target, version, latest);
  if (version == latest) return absl::OkStatus();
  SVIDD_RETURN_IF_ERROR(target.CreateMigrationsTable());
  for (const Migration& m : migrations) {
    if (m.version <= version) continue;
    absl::Status applied = target.ApplyInTransaction(m, now);
    if (!applied.ok()) {
      return absl::Status(applied.code(),
                          absl::StrCat("applying migration ", m.name, ": ", applied.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckSchemaIsCurrent(MigrationTarget& target, int latest) {
  SVIDD_ASSIGN_OR_RETURN(int version, target.SchemaVersion());
  if (version > latest) return NewerThanKnown(target, version, latest);
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

}  // namespace svidd::ledger::internal
