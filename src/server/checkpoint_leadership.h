// Who signs the ledger's checkpoints (ca/ledger_checkpointer.h): replicas sharing the ledger
// sign them one at a time, whoever holds the "ledger-checkpoints" lease
// (docs/high-availability.md); a lone svidd always holds it. Renews the lease each
// maintenance pass, signs the chain head while it holds it, and at shutdown signs the last
// records and gives the lease up so another replica takes over at once.
#pragma once

#include <chrono>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "svidd/ca/ledger_checkpointer.h"
#include "svidd/common/clock.h"
#include "svidd/ledger/leader_lease.h"
#include "svidd/pki/authority.h"

namespace svidd::server {

class CheckpointLeadership {
 public:
  // `store`, `clock` and `checkpointer` must outlive it. INVALID_ARGUMENT for a lease ttl
  // LeaderLease refuses.
  static absl::StatusOr<std::unique_ptr<CheckpointLeadership>> Create(
      ledger::LeaseStore& store, const Clock& clock, ca::LedgerCheckpointer& checkpointer,
      std::chrono::milliseconds lease_ttl);

  // Renews (or tries to take) the lease; logs when it changes hands here. A database error
  // is logged and keeps whatever hold has not run out.
  bool RenewLease();
  // Signs the chain head if it moved (LedgerCheckpointer::MaybeCheckpoint) with `authority`,
  // unless that has expired or is missing. Failures are logged, and returned: certificates
  // are still recorded, only their signature waits. FAILED_PRECONDITION: the chain no longer
  // holds what was signed (rolled back or rewritten under us).
  absl::Status Checkpoint(const std::shared_ptr<const pki::Authority>& authority);
  // At shutdown, after the last record is in: if this replica holds the lease, signs the
  // head whether or not the interval passed, then releases the lease.
  void CheckpointAndRelease(const std::shared_ptr<const pki::Authority>& authority);

 private:
  CheckpointLeadership(const Clock& clock, ca::LedgerCheckpointer& checkpointer,
                       std::unique_ptr<ledger::LeaderLease> lease)
      : clock_(clock), checkpointer_(checkpointer), lease_(std::move(lease)) {}
  absl::Status Sign(const std::shared_ptr<const pki::Authority>& authority, bool at_shutdown);

  const Clock& clock_;
  ca::LedgerCheckpointer& checkpointer_;
  const std::unique_ptr<ledger::LeaderLease> lease_;
};

}  // namespace svidd::server
