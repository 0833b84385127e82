// Appends to the PostgreSQL event log inside a transaction the caller holds. The first step of
// every appending transaction is LockHead(): SELECT ... FOR UPDATE on the one ledger_chain_head
// row. Every replica's writer, every revocation and every checkpoint takes that row lock, so
// the database orders all appenders into one chain: whoever holds the lock extends the head it
// read, and the next one waits for the commit and reads the new head. StoreHead() writes the
// advanced head back before COMMIT. docs/ledger-integrity.md has the design.
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "ledger/pg_connection.h"
#include "svidd/ledger/certificate_record.h"
#include "svidd/ledger/ledger_event.h"

namespace svidd::internal {

class PgChainAppender {
 public:
  explicit PgChainAppender(PgConnection& conn) : conn_(conn) {}

  // Locks the head row until the transaction ends and reads it.
  absl::Status LockHead();
  const ChainHead& head() const { return head_; }
  // After ROLLBACK TO a savepoint: forget what was appended since `head` was current.
  void Rewind(ChainHead head) { head_ = std::move(head); }

  // The issuance event (and the revocation event, if the record arrives revoked).
  absl::Status AppendNewRecord(const CertificateRecord& record);
  absl::Status AppendRevocation(std::string_view serial_hex, TimePoint revoked_at,
                                std::string_view reason);
  // Writes head() back to ledger_chain_head (a no-op if nothing was appended).
  absl::Status StoreHead();

 private:
  absl::Status Append(EventKind kind, std::string_view serial_hex, TimePoint at,
                      std::string content_sha256);

  PgConnection& conn_;
  ChainHead head_;
  int64_t locked_seq_ = -1;  // the head as read; -1 until LockHead()
};

// "SELECT seq, kind, ... FROM ledger_events" as kSelectEventsSql (event_appender.h).
absl::StatusOr<ChainHead> ReadPgChainHead(PgConnection& conn);

}  // namespace svidd::internal
