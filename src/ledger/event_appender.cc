#include "ledger/event_appender.h"

#include "absl/strings/str_cat.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/ledger/event_chain.h"

namespace svidd::internal {
namespace {

constexpr char kSelectHeadSql[] = "SELECT seq, hash FROM ledger_events ORDER BY seq DESC LIMIT 1";

constexpr char kInsertEventSql[] =
    "INSERT INTO ledger_events (seq, kind, serial, at, content_sha256, prev_hash, hash)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

absl::StatusOr<ChainHead> StepHead(Statement& select) {
  select.Reset();
  SVIDD_ASSIGN_OR_RETURN(bool found, select.Step());
  ChainHead head{0, kGenesisHash};
  if (found) head = ChainHead{select.ColumnInt64(0), select.ColumnText(1)};
  select.Reset();
  return head;
}

}  // namespace

const char kSelectEventsSql[] =
    "SELECT seq, kind, serial, at, content_sha256, prev_hash, hash FROM ledger_events";

absl::StatusOr<LedgerEvent> ReadEventRow(const Statement& row) {
  LedgerEvent e;
  e.seq = row.ColumnInt64(0);
  const std::string kind = row.ColumnText(1);
  if (kind == EventKindName(EventKind::kIssued)) {
    e.kind = EventKind::kIssued;
  } else if (kind == EventKindName(EventKind::kRevoked)) {
    e.kind = EventKind::kRevoked;
  } else {
    return absl::DataLossError(
        absl::StrCat("ledger event ", e.seq, " has unknown kind \"", kind.substr(0, 40), "\""));
  }
  e.serial_hex = row.ColumnText(2);
  e.at = FromUnixSeconds(row.ColumnInt64(3));
  e.content_sha256 = row.ColumnText(4);
  e.prev_hash = row.ColumnText(5);
  e.hash = row.ColumnText(6);
  return e;
}

absl::StatusOr<ChainHead> ReadChainHead(sqlite3* db) {
  SVIDD_ASSIGN_OR_RETURN(Statement select, Statement::Prepare(db, kSelectHeadSql));
  return StepHead(select);
}

absl::StatusOr<EventAppender> EventAppender::Prepare(sqlite3* db, bool persistent) {
  SVIDD_ASSIGN_OR_RETURN(Statement select, Statement::Prepare(db, kSelectHeadSql, persistent));
  SVIDD_ASSIGN_OR_RETURN(Statement insert, Statement::Prepare(db, kInsertEventSql, persistent));
  return EventAppender(std::move(select), std::move(insert));
}

absl::Status EventAppender::LoadHead() {
  SVIDD_ASSIGN_OR_RETURN(head_, StepHead(select_head_));
  loaded_ = true;
  return absl::OkStatus();
}

absl::Status EventAppender::AppendNewRecord(const CertificateRecord& record) {
  SVIDD_RETURN_IF_ERROR(AppendIssuance(record));
  if (record.status != CertStatus::kRevoked) return absl::OkStatus();
  return AppendRevocation(record.serial_hex, record.revoked_at.value_or(record.issued_at),
                          record.revocation_reason);
}

absl::Status EventAppender::AppendIssuance(const CertificateRecord& record) {
  SVIDD_ASSIGN_OR_RETURN(std::string digest, IssuanceDigest(record));
  return Append(EventKind::kIssued, record.serial_hex, record.issued_at, std::move(digest));
}

absl::Status EventAppender::AppendRevocation(std::string_view serial_hex, TimePoint revoked_at,
                                             std::string_view reason) {
  SVIDD_ASSIGN_OR_RETURN(std::string digest, RevocationDigest(serial_hex, revoked_at, reason));
  return Append(EventKind::kRevoked, serial_hex, revoked_at, std::move(digest));
}

absl::Status EventAppender::Append(EventKind kind, std::string_view serial_hex, TimePoint at,
                                   std::string content_sha256) {
  if (!loaded_) return absl::InternalError("event appended before the chain head was read");
  LedgerEvent e{head_.seq + 1, kind, std::string(serial_hex), at, std::move(content_sha256),
                head_.hash,    ""};
  SVIDD_ASSIGN_OR_RETURN(e.hash, EventHash(e));
  insert_.Reset();
  insert_.BindInt64(1, e.seq);
  insert_.BindText(2, EventKindName(kind));
  insert_.BindText(3, e.serial_hex);
  insert_.BindInt64(4, ToUnixSeconds(at));
  insert_.BindText(5, e.content_sha256);
  insert_.BindText(6, e.prev_hash);
  insert_.BindText(7, e.hash);
  absl::Status status = insert_.Run();
  insert_.Reset();
  if (!status.ok()) {
    return absl::Status(status.code(),
                        absl::StrCat("appending the ", EventKindName(kind), " event of ",
                                     e.serial_hex, ": ", status.message()));
  }
  head_ = ChainHead{e.seq, e.hash};
  return absl::OkStatus();
}

}  // namespace svidd::internal
