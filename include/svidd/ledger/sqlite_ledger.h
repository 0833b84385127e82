// SQLite implementation of the Ledger: WAL, busy timeout, foreign keys, migrations from
// migrations/ (embedded at build time) applied at open, group commit on one writer thread.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>

#include "absl/status/statusor.h"
#include "svidd/ledger/ledger.h"

namespace svidd {

struct SqliteLedgerOptions {
  // Read-only opens never migrate and never write (svidctl's local look).
  bool read_only = false;
  std::chrono::milliseconds busy_timeout = std::chrono::milliseconds(5000);
  // Most records committed in one transaction.
  size_t max_batch = 256;
};

// Opens (creating if absent, unless read-only) and migrates. FAILED_PRECONDITION if the
// database's schema version is newer than this binary knows.
absl::StatusOr<std::unique_ptr<Ledger>> OpenSqliteLedger(const std::filesystem::path& path,
                                                         const SqliteLedgerOptions& options = {});

// Highest migration version compiled into this binary.
int LatestSchemaVersion();

}  // namespace svidd
