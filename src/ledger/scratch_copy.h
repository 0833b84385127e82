// A private copy of the ledger for the verifier to walk, in a directory of its own under a
// scratch directory (svidd's data directory), removed when the copy goes out of scope.
//
// Two callers need one:
// - a PostgreSQL ledger is walked as a SQLite copy of one consistent snapshot
//   (pg_snapshot_copy.h);
// - svidd's background full walk of a SQLite ledger (LedgerVerifierOptions::walk_a_copy)
//   walks a VACUUM INTO copy. A walk at a million rows takes minutes, and a read transaction
//   held that long on the live file keeps the WAL checkpointer (wal_checkpointer.h) from
//   starting the WAL over: the WAL would grow with everything issued during the walk. The
//   copy holds its read transaction on the live file only while it copies.
//
// A process that dies mid-walk leaves its directory behind, a ledger's size of disk. Each
// directory holds a lock file its owner keeps flock()ed; Create() first removes every
// directory whose lock nobody holds, so the next walk, from svidd or svidctl, cleans up.
#pragma once

#include <filesystem>
#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace svidd::ledger::internal {

class ScratchCopy {
 public:
  // A new, empty directory `scratch`/ledger-verify-XXXXXX (mode 0700), locked while this
  // object lives. INVALID_ARGUMENT if `scratch` is empty; INTERNAL naming the directory if
  // it cannot be made.
  static absl::StatusOr<ScratchCopy> Create(const std::filesystem::path& scratch);
  ScratchCopy(ScratchCopy&& other) noexcept;
  ScratchCopy& operator=(ScratchCopy&&) = delete;
  ~ScratchCopy();

  // Where the copy goes: <dir>/ledger.db.
  std::filesystem::path file() const { return dir_ / "ledger.db"; }
  const std::filesystem::path& dir() const { return dir_; }

  // Removes the ledger-verify-* directories in `scratch` whose owner is gone (their lock is
  // free). Returns how many it removed. Errors are skipped: this is housekeeping.
  static int RemoveAbandoned(const std::filesystem::path& scratch);

 private:
  ScratchCopy(std::filesystem::path dir, int lock_fd) : dir_(std::move(dir)), lock_fd_(lock_fd) {}
  std::filesystem::path dir_;
  int lock_fd_ = -1;  // owned: flock()ed <dir>/.lock, closed (and so unlocked) last
};

// Copies the SQLite ledger at `from` into the new file `to` with VACUUM INTO, in one read
// transaction on `from` (a consistent snapshot; svidd keeps writing meanwhile). `stop_requested`
// (may be empty) is asked every so many SQLite steps; true ends the copy with CANCELLED.
// NOT_FOUND if there is no ledger at `from`.
absl::Status CopySqliteLedger(const std::filesystem::path& from, const std::filesystem::path& to,
                              const std::function<bool()>& stop_requested);

}  // namespace svidd::ledger::internal
