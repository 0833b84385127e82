// Whether a newly signed checkpoint may be stored, decided the same way on either engine inside
// the write transaction that stores it: the head it vouches for, and that of the latest stored
// checkpoint, must both be in the event log as it is now, and it must not be behind the latest.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "svidd/ledger/ledger_event.h"

namespace svidd::ledger::internal {

// What the engine tells: the hash of event `seq` (nullopt if the log has no such event), and
// the stored checkpoint with the highest event_seq (nullopt if none).
struct CheckpointLog {
  std::function<absl::StatusOr<std::optional<std::string>>(int64_t seq)> event_hash;
  std::function<absl::StatusOr<std::optional<LedgerCheckpoint>>()> latest_checkpoint;
};

// FAILED_PRECONDITION if either checkpoint vouches for a head the log does not have. ABORTED
// if a newer checkpoint was stored meanwhile by another writer (replica): nothing was
// rewritten, and the caller signs the new head.
absl::Status AdmitCheckpoint(const LedgerCheckpoint& checkpoint, const CheckpointLog& log);

}  // namespace svidd::ledger::internal
