#include "ledger/checkpoint_walker.h"

#include "absl/strings/str_cat.h"
#include "ledger/chain_walker.h"
#include "ledger/checkpoint_rows.h"
#include "svidd/common/status_macros.h"

namespace svidd::ledger::internal {
namespace {

constexpr char kCheckpoints[] = "ledger_checkpoints";

}  // namespace

absl::StatusOr<std::optional<LedgerBreak>> CheckpointWalker::StartAt(
    int64_t id, absl::StatusOr<LedgerCheckpoint> anchor,
    const std::optional<std::string>& stored_hash) {
  current_id_ = id;
  current_ = std::move(anchor);
  const int64_t seq = current_->ok() ? (*current_)->event_seq : 0;
  // A missing event is a seq no event has (-1), which CheckCurrent reports as such.
  absl::StatusOr<std::optional<LedgerBreak>> broken =
      CheckCurrent(ChainHead{stored_hash.has_value() ? seq : -1, stored_hash.value_or("")});
  current_.reset();
  return broken;
}

absl::Status CheckpointWalker::Advance() {
  started_ = true;
  SVIDD_ASSIGN_OR_RETURN(bool row, cursor_.Step());
  if (!row) {
    current_.reset();
    return absl::OkStatus();
  }
  current_id_ = cursor_.ColumnInt64(0);
  current_ = ReadCheckpointRow(cursor_);
  if (!current_->ok() && !absl::IsDataLoss(current_->status())) return current_->status();
  return absl::OkStatus();
}

absl::StatusOr<std::optional<LedgerBreak>> CheckpointWalker::CatchUp(const ChainHead& head) {
  if (!started_) SVIDD_RETURN_IF_ERROR(Advance());
  // Rows come by event_seq, and this runs after every event: a row below `head` can only
  // name a seq no event can have.
  while (current_.has_value() && (!current_->ok() || (*current_)->event_seq <= head.seq)) {
    SVIDD_ASSIGN_OR_RETURN(std::optional<LedgerBreak> broken, CheckCurrent(head));
    if (broken.has_value()) return broken;
    SVIDD_RETURN_IF_ERROR(Advance());
  }
  return std::nullopt;
}

// A row that cannot be read, or whose signature or signer is not the CA's.
absl::StatusOr<std::optional<LedgerBreak>> CheckpointWalker::Authenticate() {
  if (!current_->ok()) {
    return MakeBreak(BreakKind::kBadSignature, kCheckpoints, current_id_, 0, "",
                     std::string(current_->status().message()));
  }
  const LedgerCheckpoint& c = **current_;
  SVIDD_ASSIGN_OR_RETURN(std::optional<LedgerBreak> forged, checker_.Check(c));
  if (forged.has_value()) {
    forged->where = kCheckpoints;
    forged->row = current_id_;
    forged->event_seq = c.event_seq;
    forged->detail =
        absl::StrCat("checkpoint ", current_id_, " (seq ", c.event_seq, "): ", forged->detail);
  }
  return forged;
}

absl::StatusOr<std::optional<LedgerBreak>> CheckpointWalker::CheckCurrent(const ChainHead& head) {
  SVIDD_ASSIGN_OR_RETURN(std::optional<LedgerBreak> forged, Authenticate());
  if (forged.has_value()) return forged;
  const LedgerCheckpoint& c = **current_;
  if (c.event_seq != head.seq || c.head_hash != head.hash) {
    return MakeBreak(BreakKind::kCheckpointMismatch, kCheckpoints, current_id_, c.event_seq, "",
                     absl::StrCat("checkpoint ", current_id_, " signed hash ", c.head_hash,
                                  " for seq ", c.event_seq, " but the chain there has ",
                                  c.event_seq == head.seq ? head.hash : "no such event",
                                  ": events up to seq ", c.event_seq, " were rewritten"));
  }
  ++verified_;
  latest_ = c;
  return std::nullopt;
}

absl::StatusOr<std::optional<LedgerBreak>> CheckpointWalker::Finish(const ChainHead& last) {
  SVIDD_ASSIGN_OR_RETURN(std::optional<LedgerBreak> broken, CatchUp(last));
  if (broken.has_value() || !current_.has_value()) return broken;
  SVIDD_ASSIGN_OR_RETURN(std::optional<LedgerBreak> forged, Authenticate());
  if (forged.has_value()) return forged;
  const LedgerCheckpoint& c = **current_;
  return MakeBreak(BreakKind::kTruncated, kCheckpoints, current_id_, c.event_seq, "",
                   absl::StrCat("checkpoint ", current_id_, " signed the chain up to seq ",
                                c.event_seq, " but the log ends at seq ", last.seq, ": events ",
                                last.seq + 1, "..", c.event_seq, " were removed"));
}

}  // namespace svidd::ledger::internal
