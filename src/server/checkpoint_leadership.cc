#include "server/checkpoint_leadership.h"

#include <utility>

#include "spdlog/spdlog.h"

namespace svidd::server {

absl::StatusOr<std::unique_ptr<CheckpointLeadership>> CheckpointLeadership::Create(
    ledger::LeaseStore& store, const Clock& clock, ca::LedgerCheckpointer& checkpointer,
    std::chrono::milliseconds lease_ttl) {
  absl::StatusOr<std::unique_ptr<ledger::LeaderLease>> lease = ledger::LeaderLease::Create(
      store, clock, {"ledger-checkpoints", ledger::ReplicaId(), lease_ttl, lease_ttl / 3});
  if (!lease.ok()) return lease.status();
  return std::unique_ptr<CheckpointLeadership>(
      new CheckpointLeadership(clock, checkpointer, *std::move(lease)));
}

bool CheckpointLeadership::RenewLease() {
  const bool held_before = lease_->Held();
  absl::StatusOr<bool> held = lease_->Tick();
  if (!held.ok()) spdlog::warn("checkpoint lease: {}", held.status().ToString());
  const bool held_now = held.ok() ? *held : lease_->Held();
  if (held_now != held_before) {
    spdlog::info("{} the ledger-checkpoints lease (replica {}, term {})",
                 held_now ? "took" : "lost", lease_->options().holder, lease_->term());
  }
  return held_now;
}

absl::Status CheckpointLeadership::Checkpoint(
    const std::shared_ptr<const pki::Authority>& authority) {
  return Sign(authority, /*at_shutdown=*/false);
}

void CheckpointLeadership::CheckpointAndRelease(
    const std::shared_ptr<const pki::Authority>& authority) {
  if (!lease_->Tick().value_or(false)) return;  // another replica holding the lease signs it
  Sign(authority, /*at_shutdown=*/true).IgnoreError();  // logged
  if (absl::Status s = lease_->Release(); !s.ok()) {
    spdlog::warn("releasing the checkpoint lease: {}", s.ToString());
  }
}

absl::Status CheckpointLeadership::Sign(const std::shared_ptr<const pki::Authority>& authority,
                                        bool at_shutdown) {
  const TimePoint now = clock_.Now();
  if (authority == nullptr || now >= authority->not_after()) return absl::OkStatus();
  absl::Status s = at_shutdown ? checkpointer_.Checkpoint(*authority, now)
                               : checkpointer_.MaybeCheckpoint(*authority, now);
  if (absl::IsAborted(s)) {
    spdlog::debug("ledger checkpoint: {}", s.ToString());  // another replica signed first
  } else if (!s.ok()) {
    spdlog::error("ledger checkpoint: {}", s.ToString());
  }
  return s;
}

}  // namespace svidd::server
