// Walks the event log in seq order and finds the first event where it breaks: a gap, a link
// to the wrong predecessor, an event whose hash does not match its fields, a repeated event,
// or a certificates row that no longer matches what its event vouches for.
#pragma once

#include <optional>

#include "absl/status/statusor.h"
#include "ledger/chain_snapshot.h"
#include "svidd/ledger/ledger_event.h"
#include "svidd/ledger/ledger_verification.h"

namespace svidd::ledger::internal {

class ChainWalker {
 public:
  // `first_duplicate`: ChainSnapshot::FirstDuplicateEvent(). `start`: the event the walk
  // continues from (the genesis for a full walk). `snapshot` must outlive this.
  ChainWalker(ChainSnapshot& snapshot, std::optional<int64_t> first_duplicate, ChainHead start);

  // Checks the next event. nullopt when it extends the chain (head() is then this event).
  absl::StatusOr<std::optional<LedgerBreak>> Next(const LedgerEvent& event);
  // An event of a trusted prefix checked on its own, without walking to it (svidd's start-up
  // does this for every revocation event): its stored hash must match its fields and its
  // certificates row must still hold what it vouches for. head() does not move.
  absl::StatusOr<std::optional<LedgerBreak>> CheckAlone(const LedgerEvent& event);
  // A row whose kind this binary cannot read.
  LedgerBreak Unreadable(int64_t seq, std::string_view why) const;

  const ChainHead& head() const { return head_; }
  // Events whose hash, link and row this walker recomputed.
  int64_t verified() const { return verified_; }

 private:
  std::optional<LedgerBreak> CheckPosition(const LedgerEvent& event) const;
  absl::StatusOr<std::optional<LedgerBreak>> CheckLink(const LedgerEvent& event,
                                                       bool self_consistent);
  absl::StatusOr<std::optional<LedgerBreak>> CheckContent(const LedgerEvent& event);
  absl::StatusOr<LedgerBreak> RowBreak(BreakKind kind, const LedgerEvent& event,
                                       std::string detail);

  ChainSnapshot& snapshot_;
  const std::optional<int64_t> first_duplicate_;
  ChainHead head_;
  int64_t verified_ = 0;
};

// A break in `where` at `row`, found at event `event_seq`.
LedgerBreak MakeBreak(BreakKind kind, const char* where, int64_t row, int64_t event_seq,
                      std::string serial_hex, std::string detail);

}  // namespace svidd::ledger::internal
