#include "ledger/event_backfill.h"

#include "absl/strings/str_cat.h"
#include "ledger/certificate_rows.h"
#include "ledger/event_appender.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"

namespace svidd::ledger::internal {
namespace {

absl::Status BackfillIssuances(sqlite3* db, EventAppender& events) {
  SVIDD_ASSIGN_OR_RETURN(Statement rows, Statement::Prepare(db, absl::StrCat(kSelectCertificatesSql,
                                                                             " ORDER BY seq")));
  for (;;) {
    SVIDD_ASSIGN_OR_RETURN(bool row, rows.Step());
    if (!row) return absl::OkStatus();
    SVIDD_ASSIGN_OR_RETURN(CertificateRecord record, ReadCertificateRow(StatementRow(rows)));
    SVIDD_RETURN_IF_ERROR(events.AppendIssuance(record));
  }
}

absl::Status BackfillRevocations(sqlite3* db, EventAppender& events) {
  SVIDD_ASSIGN_OR_RETURN(
      Statement rows,
      Statement::Prepare(db,
                         "SELECT serial, revoked_at, revocation_reason FROM certificates"
                         " WHERE status = 'revoked' ORDER BY revoked_at, seq"));
  for (;;) {
    SVIDD_ASSIGN_OR_RETURN(bool row, rows.Step());
    if (!row) return absl::OkStatus();
    SVIDD_RETURN_IF_ERROR(events.AppendRevocation(
        rows.ColumnText(0), FromUnixSeconds(rows.ColumnInt64(1)), rows.ColumnText(2)));
  }
}

}  // namespace

absl::Status BackfillEventLog(sqlite3* db) {
  SVIDD_ASSIGN_OR_RETURN(EventAppender events, EventAppender::Prepare(db));
  SVIDD_RETURN_IF_ERROR(events.LoadHead());
  if (events.head().seq != 0) {
    return absl::FailedPreconditionError("the event log is not empty; refusing to backfill it");
  }
  SVIDD_RETURN_IF_ERROR(BackfillIssuances(db, events));
  return BackfillRevocations(db, events);
}

SqliteMigrationSteps EventLogBackfillStep() { return {{kEventLogSchemaVersion, BackfillEventLog}}; }

}  // namespace svidd::ledger::internal
