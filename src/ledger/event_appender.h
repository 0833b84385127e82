// Appends to ledger_events on SQLite inside a write transaction the caller holds (BEGIN
// IMMEDIATE). The head is read inside that transaction, once, and advanced in memory as events
// are appended (chain_appender.h): no other connection (or process) can append in between, and
// nothing is cached from one transaction to the next.
#pragma once

#include <sqlite3.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/chain_appender.h"
#include "ledger/ledger_tables.h"
#include "ledger/sqlite_handle.h"
#include "svidd/ledger/ledger_event.h"

namespace svidd::ledger::internal {

class EventAppender final : public ChainAppender {
 public:
  // `persistent`: the statements are kept for many transactions (the group commit writer).
  static absl::StatusOr<EventAppender> Prepare(sqlite3* db, bool persistent = false);

  // Reads the current head. Call at the start of every transaction, before appending.
  absl::Status LoadHead();

 private:
  EventAppender(Statement select_head, Statement insert)
      : select_head_(std::move(select_head)), insert_(std::move(insert)) {}
  absl::Status InsertEvent(const LedgerEvent& event) override;

  Statement select_head_;
  Statement insert_;
};

// The head as stored: the event with the highest seq.
absl::StatusOr<ChainHead> ReadChainHead(sqlite3* db);

}  // namespace svidd::ledger::internal
