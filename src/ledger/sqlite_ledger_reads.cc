// SqliteLedger's reads and revocation, on the pooled connections.
#include "absl/strings/str_cat.h"
#include "ledger/certificate_rows.h"
#include "ledger/event_appender.h"
#include "ledger/sqlite_ledger_impl.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"

namespace svidd::ledger::internal {
namespace {

constexpr char kSqliteRevokeSql[] =
    "UPDATE certificates SET status = 'revoked', revoked_at = ?2, revocation_reason = ?3"
    " WHERE serial = ?1 AND status = 'active'";

absl::Status NoSuchSerial(std::string_view serial, const std::filesystem::path& path) {
  return absl::NotFoundError(
      absl::StrCat("no certificate with serial ", std::string(serial), " in ", path.string()));
}

absl::StatusOr<bool> IsActive(sqlite3* db, std::string_view serial) {
  SVIDD_ASSIGN_OR_RETURN(
      Statement stmt,
      Statement::Prepare(db, "SELECT 1 FROM certificates WHERE serial = ?1 AND status = 'active'"));
  stmt.BindText(1, serial);
  return stmt.Step();
}

// Inside a write transaction, for a serial that is not active: why not?
absl::Status ExplainNoRevoke(sqlite3* db, std::string_view serial,
                             const std::filesystem::path& path) {
  SVIDD_ASSIGN_OR_RETURN(Statement stmt,
                         Statement::Prepare(db,
                                            "SELECT status, revoked_at, revocation_reason"
                                            " FROM certificates WHERE serial = ?1"));
  stmt.BindText(1, serial);
  SVIDD_ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return NoSuchSerial(serial, path);
  std::string message = absl::StrCat("certificate ", std::string(serial), " was already revoked");
  if (!stmt.ColumnIsNull(1)) {
    absl::StrAppend(&message, " at ", FormatRfc3339(FromUnixSeconds(stmt.ColumnInt64(1))));
  }
  std::string reason = stmt.ColumnText(2);
  if (!reason.empty()) absl::StrAppend(&message, " (reason: ", reason, ")");
  return absl::FailedPreconditionError(message);
}

}  // namespace

absl::StatusOr<CertificateRecord> SqliteLedger::GetCertificate(std::string_view serial) const {
  ConnectionPool::Lease conn = readers_->Acquire();
  SVIDD_ASSIGN_OR_RETURN(
      Statement stmt,
      Statement::Prepare(conn.db(), absl::StrCat(kSelectCertificatesSql, " WHERE serial = ?1")));
  stmt.BindText(1, serial);
  SVIDD_ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return NoSuchSerial(serial, path_);
  return ReadCertificateRow(StatementRow(stmt));
}

absl::StatusOr<bool> SqliteLedger::IsRevoked(std::string_view serial) const {
  ConnectionPool::Lease conn = readers_->Acquire();
  SVIDD_ASSIGN_OR_RETURN(
      Statement stmt,
      Statement::Prepare(conn.db(),
                         "SELECT status = 'revoked' FROM certificates WHERE serial = ?1"));
  stmt.BindText(1, serial);
  SVIDD_ASSIGN_OR_RETURN(bool found, stmt.Step());
  return found && stmt.ColumnInt64(0) != 0;
}

// The revocation event first (the schema refuses a revocation without one), then one UPDATE
// guarded by status = 'active', all in one write transaction: two revokers cannot both
// succeed, and a refusal rolls the event back with it.
absl::Status SqliteLedger::RevokeCertificate(std::string_view serial, std::string_view reason,
                                             TimePoint at) {
  if (writer_ == nullptr) return ReadOnlyError("revoke");
  return writer_->Execute([&](sqlite3* db) -> absl::Status {
    SVIDD_ASSIGN_OR_RETURN(bool active, IsActive(db, serial));
    if (!active) return ExplainNoRevoke(db, serial, path_);
    SVIDD_ASSIGN_OR_RETURN(EventAppender events, EventAppender::Prepare(db));
    SVIDD_RETURN_IF_ERROR(events.LoadHead());
    SVIDD_RETURN_IF_ERROR(events.AppendRevocation(serial, at, reason));
    SVIDD_ASSIGN_OR_RETURN(Statement update, Statement::Prepare(db, kSqliteRevokeSql));
    update.BindText(1, serial);
    update.BindInt64(2, ToUnixSeconds(at));
    update.BindText(3, reason);
    SVIDD_RETURN_IF_ERROR(update.Run());
    if (sqlite3_changes(db) == 1) return absl::OkStatus();
    return absl::InternalError(
        absl::StrCat("revoking ", std::string(serial), ": the active row did not change"));
  });
}

}  // namespace svidd::ledger::internal
