// How a LedgerCheckpoint maps onto the `ledger_checkpoints` table.
#pragma once

#include <sqlite3.h>

#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/sqlite_handle.h"
#include "svidd/ledger/ledger_event.h"

namespace svidd::internal {

// "SELECT id, <checkpoint columns> FROM ledger_checkpoints" (no trailing clause).
extern const char kSelectCheckpointsSql[];

// The current row of a statement built on kSelectCheckpointsSql (column 0, the id, is not
// part of the value). DATA_LOSS if the stored signature is not hex.
absl::StatusOr<LedgerCheckpoint> ReadCheckpointRow(const Statement& row);

absl::Status InsertCheckpoint(sqlite3* db, const LedgerCheckpoint& checkpoint);

// The checkpoint with the highest event_seq (the newest of those), or nullopt.
absl::StatusOr<std::optional<LedgerCheckpoint>> ReadLatestCheckpoint(sqlite3* db);

}  // namespace svidd::internal
