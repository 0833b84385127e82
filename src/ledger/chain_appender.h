// Appending to the event chain, for either engine, inside a transaction the caller holds: each
// event extends the head in memory (its hash covers the previous one, event_chain.h) and is
// stored by the engine. EventAppender (SQLite) and PgChainAppender (PostgreSQL) say how the
// head is read at the start of the transaction and how an event row is written.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "svidd/common/clock.h"
#include "svidd/ledger/certificate_record.h"
#include "svidd/ledger/ledger_event.h"

namespace svidd::ledger::internal {

class ChainAppender {
 public:
  const ChainHead& head() const { return head_; }
  // After ROLLBACK TO a savepoint: forget what was appended since `head` was current.
  void Rewind(ChainHead head) { head_ = std::move(head); }

  // The issuance event of a record being inserted, and its revocation event if the record
  // arrives already revoked.
  absl::Status AppendNewRecord(const CertificateRecord& record);
  absl::Status AppendIssuance(const CertificateRecord& record);
  absl::Status AppendRevocation(std::string_view serial_hex, TimePoint revoked_at,
                                std::string_view reason);

 protected:
  ChainAppender() = default;
  ChainAppender(ChainAppender&&) = default;
  ChainAppender& operator=(ChainAppender&&) = default;
  ~ChainAppender() = default;

  // The head as read in this transaction; appending is refused until it is known.
  void StartFrom(ChainHead head);
  // Writes `event` (its hash computed) to ledger_events.
  virtual absl::Status InsertEvent(const LedgerEvent& event) = 0;

 private:
  absl::Status Append(EventKind kind, std::string_view serial_hex, TimePoint at,
                      std::string content_sha256);

  ChainHead head_;
  bool head_known_ = false;
};

}  // namespace svidd::ledger::internal
