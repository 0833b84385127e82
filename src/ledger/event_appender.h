// Appends to ledger_events inside a write transaction the caller holds (BEGIN IMMEDIATE).
// The head is read inside that transaction, once, and advanced in memory as events are
// appended: no other connection (or process) can append in between, and nothing is cached
// from one transaction to the next.
#pragma once

#include <sqlite3.h>

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/sqlite_handle.h"
#include "svidd/ledger/certificate_record.h"
#include "svidd/ledger/ledger_event.h"

namespace svidd::internal {

class EventAppender {
 public:
  // `persistent`: the statements are kept for many transactions (the group commit writer).
  static absl::StatusOr<EventAppender> Prepare(sqlite3* db, bool persistent = false);

  // Reads the current head. Call at the start of every transaction, before appending.
  absl::Status LoadHead();
  const ChainHead& head() const { return head_; }
  // After ROLLBACK TO a savepoint: forget what was appended since `head` was current.
  void Rewind(ChainHead head) { head_ = std::move(head); }

  // The issuance event of a record being inserted, and its revocation event if the record
  // arrives already revoked.
  absl::Status AppendNewRecord(const CertificateRecord& record);
  absl::Status AppendIssuance(const CertificateRecord& record);
  absl::Status AppendRevocation(std::string_view serial_hex, TimePoint revoked_at,
                                std::string_view reason);

 private:
  EventAppender(Statement select_head, Statement insert)
      : select_head_(std::move(select_head)), insert_(std::move(insert)) {}
  absl::Status Append(EventKind kind, std::string_view serial_hex, TimePoint at,
                      std::string content_sha256);

  Statement select_head_;
  Statement insert_;
  ChainHead head_;
  bool loaded_ = false;
};

// The head as stored: the event with the highest seq.
absl::StatusOr<ChainHead> ReadChainHead(sqlite3* db);

// "SELECT <event columns> FROM ledger_events" (no trailing clause), and its row reader.
// DATA_LOSS for a kind this binary does not know.
extern const char kSelectEventsSql[];
absl::StatusOr<LedgerEvent> ReadEventRow(const Statement& row);

}  // namespace svidd::internal
