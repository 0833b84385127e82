// `ledger verify` on PostgreSQL: one REPEATABLE READ, READ ONLY snapshot of the tables the hash
// chain covers (certificates, ledger_events, ledger_checkpoints) copied row for row into a
// private SQLite file with the SQLite schema, which the one LedgerVerifier then walks. For a
// verification from the newest checkpoint (svidd's start-up) only the rows that reads are
// copied, so the copy grows with what was written since the last checkpoint, not with the
// ledger. Both
// engines are thus checked by the same code, against one consistent view, while replicas keep
// writing. The copy keeps every stored value as it is (seq and id included) and holds none of
// SQLite's guards against what it copies: a row PostgreSQL should have refused is evidence.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"

namespace svidd::ledger::internal {

// Which rows to copy.
struct PgCopyScope {
  // false: everything. true: what VerificationScope::kFromNewestCheckpoint reads. With F the
  // newest checkpoint's event (lowered to `head_file_seq` if that is older): the checkpoints
  // from F on; the certificates rows of the events from F on, the revoked rows and the rows
  // appended after the last issuance before F; every event of those rows' serials (which
  // holds every event from F on) and of every serial with a revocation event (each is checked
  // against its row, migration 0009's index).
  bool from_newest_checkpoint = false;
  std::optional<int64_t> head_file_seq;  // ledger-head.json's event, if any
  // Asked before each batch of rows; true ends the copy with CANCELLED. Empty: never.
  std::function<bool()> stop_requested;
};

// Writes the snapshot of the PostgreSQL ledger at `uri` into a new SQLite file `path`.
// UNAVAILABLE if PostgreSQL cannot be reached; FAILED_PRECONDITION if its schema is not this
// binary's. Errors name the ledger without its password.
absl::Status CopyPostgresLedgerToSqlite(const std::string& uri, const std::filesystem::path& path,
                                        const PgCopyScope& scope = {});

}  // namespace svidd::ledger::internal
