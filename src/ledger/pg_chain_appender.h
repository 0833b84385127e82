// Appends to the PostgreSQL event log inside a transaction the caller holds. The first step of
// every appending transaction is LockHead(): SELECT ... FOR UPDATE on the one ledger_chain_head
// row. Every replica's writer, every revocation and every checkpoint takes that row lock, so
// the database orders all appenders into one chain: whoever holds the lock extends the head it
// read (chain_appender.h), and the next one waits for the commit and reads the new head.
// StoreHead() writes the advanced head back before COMMIT. docs/ledger-integrity.md has the
// design.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/chain_appender.h"
#include "ledger/pg_connection.h"
#include "svidd/ledger/ledger_event.h"

namespace svidd::ledger::internal {

class PgChainAppender final : public ChainAppender {
 public:
  // kEach: every event is its own INSERT, sent as it is appended. kBatched: events wait in
  // memory until Flush() sends them in one multi-row INSERT (the group commit writer: one
  // round trip for a batch's events); the caller must not Rewind() past an unsent event.
  enum class Sending { kEach, kBatched };
  explicit PgChainAppender(PgConnection& conn, Sending sending = Sending::kEach)
      : conn_(conn), sending_(sending) {}

  // Locks the head row until the transaction ends and reads it.
  absl::Status LockHead();
  // Sends the events appended since the last Flush() (kBatched; nothing to do for kEach).
  absl::Status Flush();
  // Flush(), then writes head() back to ledger_chain_head (a no-op if nothing was appended).
  absl::Status StoreHead();

 private:
  absl::Status InsertEvent(const LedgerEvent& event) override;

  PgConnection& conn_;
  const Sending sending_;
  std::vector<LedgerEvent> unsent_;
  int64_t locked_seq_ = -1;  // the head as read; -1 until LockHead()
};

// The head as stored in ledger_events (not the locked row): for readers.
absl::StatusOr<ChainHead> ReadPgChainHead(PgConnection& conn);

}  // namespace svidd::ledger::internal
