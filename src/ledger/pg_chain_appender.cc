#include "ledger/pg_chain_appender.h"

#include "absl/strings/str_cat.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/ledger/event_chain.h"

namespace svidd::internal {

absl::Status PgChainAppender::LockHead() {
  SVIDD_ASSIGN_OR_RETURN(
      PgResult row, conn_.Exec("SELECT seq, hash FROM ledger_chain_head WHERE id = 1 FOR UPDATE"));
  if (row.rows() != 1)
    return absl::DataLossError("ledger_chain_head has no row: the schema was altered");
  head_ = ChainHead{row.Int64(0, 0), row.Text(0, 1)};
  locked_seq_ = head_.seq;
  return absl::OkStatus();
}

absl::Status PgChainAppender::AppendNewRecord(const CertificateRecord& record) {
  SVIDD_ASSIGN_OR_RETURN(std::string digest, IssuanceDigest(record));
  SVIDD_RETURN_IF_ERROR(
      Append(EventKind::kIssued, record.serial_hex, record.issued_at, std::move(digest)));
  if (record.status != CertStatus::kRevoked) return absl::OkStatus();
  return AppendRevocation(record.serial_hex, record.revoked_at.value_or(record.issued_at),
                          record.revocation_reason);
}

absl::Status PgChainAppender::AppendRevocation(std::string_view serial_hex, TimePoint revoked_at,
                                               std::string_view reason) {
  SVIDD_ASSIGN_OR_RETURN(std::string digest, RevocationDigest(serial_hex, revoked_at, reason));
  return Append(EventKind::kRevoked, serial_hex, revoked_at, std::move(digest));
}

absl::Status PgChainAppender::Append(EventKind kind, std::string_view serial_hex, TimePoint at,
                                     std::string content_sha256) {
  if (locked_seq_ < 0)
    return absl::InternalError("event appended before the chain head was locked");
  LedgerEvent e{head_.seq + 1, kind, std::string(serial_hex), at, std::move(content_sha256),
                head_.hash,    ""};
  SVIDD_ASSIGN_OR_RETURN(e.hash, EventHash(e));
  absl::Status status =
      conn_
          .Exec(
              "INSERT INTO ledger_events (seq, kind, serial, at, content_sha256, prev_hash, hash)"
              " VALUES ($1, $2, $3, $4, $5, $6, $7)",
              {std::to_string(e.seq), std::string(EventKindName(kind)), e.serial_hex,
               std::to_string(ToUnixSeconds(at)), e.content_sha256, e.prev_hash, e.hash})
          .status();
  if (!status.ok()) {
    return absl::Status(status.code(),
                        absl::StrCat("appending the ", EventKindName(kind), " event of ",
                                     e.serial_hex, ": ", status.message()));
  }
  head_ = ChainHead{e.seq, e.hash};
  return absl::OkStatus();
}

absl::Status PgChainAppender::StoreHead() {
  if (head_.seq == locked_seq_) return absl::OkStatus();
  return conn_
      .Exec("UPDATE ledger_chain_head SET seq = $1, hash = $2 WHERE id = 1",
            {std::to_string(head_.seq), head_.hash})
      .status();
}

absl::StatusOr<ChainHead> ReadPgChainHead(PgConnection& conn) {
  SVIDD_ASSIGN_OR_RETURN(
      PgResult row, conn.Exec("SELECT seq, hash FROM ledger_events ORDER BY seq DESC LIMIT 1"));
  if (row.rows() == 0) return ChainHead{0, kGenesisHash};
  return ChainHead{row.Int64(0, 0), row.Text(0, 1)};
}

}  // namespace svidd::internal
