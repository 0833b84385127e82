// How a LedgerCheckpoint maps onto the `ledger_checkpoints` table.
#pragma once

#include <sqlite3.h>

#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/ledger_tables.h"
#include "ledger/sqlite_handle.h"
#include "svidd/ledger/ledger_event.h"

namespace svidd::ledger::internal {

// The current row of a statement built on kSelectCheckpointsSql (ledger_tables.h) (column 0, the
// id, is not part of the value). DATA_LOSS if the stored signature is not hex.
absl::StatusOr<LedgerCheckpoint> ReadCheckpointRow(const Statement& row);

absl::Status InsertCheckpoint(sqlite3* db, const LedgerCheckpoint& checkpoint);

// The checkpoint with the highest event_seq (the newest of those), or nullopt.
absl::StatusOr<std::optional<LedgerCheckpoint>> ReadLatestCheckpoint(sqlite3* db);

}  // namespace svidd::ledger::internal
