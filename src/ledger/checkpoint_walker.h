// Checks the stored checkpoints alongside the chain walk: each one, once the walk reaches its
// event, must be authentic (CheckpointChecker) and hold the chain's hash at that event; any
// left when the log ends vouch for events that are gone.
#pragma once

#include <optional>

#include "absl/status/statusor.h"
#include "ledger/checkpoint_checker.h"
#include "ledger/sqlite_handle.h"
#include "svidd/ledger/ledger_event.h"
#include "svidd/ledger/ledger_verification.h"

namespace svidd::ledger::internal {

class CheckpointWalker {
 public:
  // `cursor`: ChainSnapshot::Checkpoints(). `checker` must outlive this.
  CheckpointWalker(Statement cursor, CheckpointChecker& checker)
      : cursor_(std::move(cursor)), checker_(checker) {}

  // Checks the checkpoint (row `id`) a walk that skips the events before it starts from: it
  // must be authentic and hold `stored_hash`, the stored hash of its event (nullopt: there is
  // no such event). Call before the first CatchUp; `cursor` then holds the rows after it.
  absl::StatusOr<std::optional<LedgerBreak>> StartAt(int64_t id,
                                                     absl::StatusOr<LedgerCheckpoint> anchor,
                                                     const std::optional<std::string>& stored_hash);

  // Call after the walk verified the event `head`: checks every checkpoint up to it.
  absl::StatusOr<std::optional<LedgerBreak>> CatchUp(const ChainHead& head);
  // Call when the log has ended at `last`: any checkpoint left is a truncation.
  absl::StatusOr<std::optional<LedgerBreak>> Finish(const ChainHead& last);

  int64_t verified() const { return verified_; }
  // The last checkpoint that verified.
  const std::optional<LedgerCheckpoint>& latest() const { return latest_; }

 private:
  // Reads the next row into current_ (nullopt at the end).
  absl::Status Advance();
  absl::StatusOr<std::optional<LedgerBreak>> Authenticate();
  absl::StatusOr<std::optional<LedgerBreak>> CheckCurrent(const ChainHead& head);

  Statement cursor_;
  CheckpointChecker& checker_;
  bool started_ = false;
  int64_t current_id_ = 0;
  std::optional<absl::StatusOr<LedgerCheckpoint>> current_;
  int64_t verified_ = 0;
  std::optional<LedgerCheckpoint> latest_;
};

}  // namespace svidd::ledger::internal
