// SQLite implementation of the Ledger: WAL, busy timeout, foreign keys, migrations from
// migrations/ (embedded at build time) applied at open, group commit on one writer thread.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>

#include "absl/status/statusor.h"
#include "svidd/ledger/ledger.h"

namespace svidd::ledger {

// When the WAL is copied back into the database, by a thread of svidd's own rather than the
// writer's COMMIT (src/ledger/wal_checkpointer.h says how the three bound the WAL). In frames
// (pages written to the WAL).
struct WalCheckpointOptions {
  int passive_frames = 1000;  // this many not yet copied: PASSIVE (SQLite's default threshold)
  int restart_frames = 4000;  // the WAL still this long after it: RESTART
  int writer_frames = 16000;  // the writer checkpoints itself (64 MiB of 4 KiB pages)
};

struct SqliteLedgerOptions {
  // Read-only opens never migrate and never write (svidctl's local look).
  bool read_only = false;
  std::chrono::milliseconds busy_timeout = std::chrono::milliseconds(5000);
  // Most records committed in one transaction.
  size_t max_batch = 256;
  WalCheckpointOptions wal_checkpoint;
};

// Opens (creating if absent, unless read-only) and migrates. FAILED_PRECONDITION if the
// database's schema version is newer than this binary knows.
absl::StatusOr<std::unique_ptr<Ledger>> OpenSqliteLedger(const std::filesystem::path& path,
                                                         const SqliteLedgerOptions& options = {});

// Highest migration version compiled into this binary.
int LatestSchemaVersion();

}  // namespace svidd::ledger
