#include "ledger/checkpoint_admission.h"

#include "absl/strings/str_cat.h"
#include "svidd/common/status_macros.h"

namespace svidd::ledger::internal {
namespace {

// FAILED_PRECONDITION unless event `seq` exists with hash `hash`.
absl::Status CheckInChain(const CheckpointLog& log, int64_t seq, const std::string& hash,
                          const char* what) {
  SVIDD_ASSIGN_OR_RETURN(std::optional<std::string> stored, log.event_hash(seq));
  if (!stored.has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, " vouches for event ", seq, ", which the event log does not have"));
  }
  if (*stored != hash) {
    return absl::FailedPreconditionError(absl::StrCat(what, " vouches for a head hash at event ",
                                                      seq, " that the event log no longer has"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status AdmitCheckpoint(const LedgerCheckpoint& checkpoint, const CheckpointLog& log) {
  SVIDD_RETURN_IF_ERROR(
      CheckInChain(log, checkpoint.event_seq, checkpoint.head_hash, "the new checkpoint"));
  SVIDD_ASSIGN_OR_RETURN(std::optional<LedgerCheckpoint> latest, log.latest_checkpoint());
  if (!latest.has_value()) return absl::OkStatus();
  SVIDD_RETURN_IF_ERROR(
      CheckInChain(log, latest->event_seq, latest->head_hash, "the latest stored checkpoint"));
  if (latest->event_seq > checkpoint.event_seq) {
    return absl::AbortedError(absl::StrCat("the new checkpoint (event ", checkpoint.event_seq,
                                           ") is behind the latest stored one (event ",
                                           latest->event_seq, "), signed meanwhile"));
  }
  return absl::OkStatus();
}

}  // namespace svidd::ledger::internal
