// One replica at a time: a lease in the ledger's database (lease_store.h), kept by whoever
// holds it and taken over by another replica once it lapses. A holder renews at every Tick()
// and counts itself the holder only until `ttl - safety_margin` after the renewal began, by its
// own clock; everyone else may take the lease once `ttl` has passed by theirs. So two replicas
// both believe they hold it only if their clocks differ by more than the margin.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/common/mutex.h"
#include "svidd/ledger/lease_store.h"

namespace svidd::ledger {

struct LeaderLeaseOptions {
  std::string name;    // what the lease is for, e.g. "ledger-checkpoints"
  std::string holder;  // this replica, unique among them (ReplicaId())
  // How long a lease lasts without renewal: the longest a dead holder keeps others waiting.
  std::chrono::milliseconds ttl = std::chrono::seconds(15);
  // How much sooner than the database the holder gives up its own claim (clock skew allowed).
  std::chrono::milliseconds safety_margin = std::chrono::seconds(5);
};

class LeaderLease {
 public:
  // INVALID_ARGUMENT for an empty name or holder, or a margin not below the ttl.
  static absl::StatusOr<std::unique_ptr<LeaderLease>> Create(LeaseStore& store, const Clock& clock,
                                                             LeaderLeaseOptions options);

  // Takes or renews the lease; OK(true) if this replica holds it now. An error (the database
  // unreachable) leaves a claim that has not run out in place, to lapse by itself.
  absl::StatusOr<bool> Tick();
  // Whether this replica holds the lease at the clock's now, without asking the database.
  bool Held() const;
  // The term of this replica's current hold (0 while not holding).
  int64_t term() const;
  // Gives the lease up (at shutdown) so another replica takes it at its next Tick().
  absl::Status Release();

  const LeaderLeaseOptions& options() const { return options_; }

 private:
  LeaderLease(LeaseStore& store, const Clock& clock, LeaderLeaseOptions options)
      : store_(store), clock_(clock), options_(std::move(options)) {}

  LeaseStore& store_;
  const Clock& clock_;
  const LeaderLeaseOptions options_;
  mutable Mutex mu_;
  std::optional<TimePoint> held_until_ ABSL_GUARDED_BY(mu_);
  int64_t term_ ABSL_GUARDED_BY(mu_) = 0;
};

// "<hostname>/<pid>/<random hex>": unique per process, readable in the lease table (in
// Kubernetes the hostname is the pod's name).
std::string ReplicaId();

}  // namespace svidd::ledger
