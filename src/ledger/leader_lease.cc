#include "svidd/ledger/leader_lease.h"

#include <unistd.h>

#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace svidd::ledger {

absl::StatusOr<std::unique_ptr<LeaderLease>> LeaderLease::Create(LeaseStore& store,
                                                                 const Clock& clock,
                                                                 LeaderLeaseOptions options) {
  if (options.name.empty() || options.holder.empty()) {
    return absl::InvalidArgumentError("a lease needs a name and a holder");
  }
  if (options.ttl <= options.safety_margin || options.safety_margin.count() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("lease ", options.name, ": the safety margin (", options.safety_margin.count(),
                     " ms) must be at least 0 and below the ttl (", options.ttl.count(), " ms)"));
  }
  return std::unique_ptr<LeaderLease>(new LeaderLease(store, clock, std::move(options)));
}

absl::StatusOr<bool> LeaderLease::Tick() {
  // The claim is measured from before the database was asked: a slow answer only shortens it.
  const TimePoint asked_at = clock_.Now();
  absl::StatusOr<LeaseRecord> record =
      store_.TryAcquire(options_.name, options_.holder, asked_at, options_.ttl);
  MutexLock lock(&mu_);
  if (!record.ok()) return record.status();
  if (record->holder != options_.holder) {
    held_until_.reset();
    term_ = 0;
    return false;
  }
  held_until_ = asked_at + options_.ttl - options_.safety_margin;
  term_ = record->term;
  return clock_.Now() < *held_until_;
}

bool LeaderLease::Held() const {
  MutexLock lock(&mu_);
  return held_until_.has_value() && clock_.Now() < *held_until_;
}

int64_t LeaderLease::term() const {
  MutexLock lock(&mu_);
  return held_until_.has_value() ? term_ : 0;
}

absl::Status LeaderLease::Release() {
  {
    MutexLock lock(&mu_);
    held_until_.reset();
    term_ = 0;
  }
  return store_.Release(options_.name, options_.holder);
}

std::string ReplicaId() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') {
    absl::SNPrintF(host, sizeof(host), "unknown-host");
  }
  std::random_device random;
  return absl::StrFormat("%s/%d/%08x", host, static_cast<int>(getpid()), random());
}

}  // namespace svidd::ledger
