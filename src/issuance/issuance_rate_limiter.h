// How fast certificates may be issued: per SPIFFE ID and in total, each a token bucket
// (rotation/rate_limiter.h) that refills at its rate and holds one second's worth. A request
// over either limit is refused at once with RESOURCE_EXHAUSTED saying when to retry; nothing
// is queued. Buckets of identities that have gone quiet are dropped, so the map stays small.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "absl/status/status.h"
#include "rotation/rate_limiter.h"
#include "svidd/common/clock.h"
#include "svidd/common/mutex.h"

namespace svidd::issuance {

struct IssuanceRateLimits {
  int per_identity_per_second = 0;  // 0 = no limit
  int global_per_second = 0;        // 0 = no limit
};

class IssuanceRateLimiter {
 public:
  explicit IssuanceRateLimiter(IssuanceRateLimits limits);

  // Takes one issuance for `spiffe_id` at `now` from both buckets, or neither.
  absl::Status Admit(const std::string& spiffe_id, TimePoint now);

 private:
  void PruneLocked(TimePoint now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const IssuanceRateLimits limits_;
  Mutex mu_;
  std::optional<rotation::RateLimiter> global_ ABSL_GUARDED_BY(mu_);  // guarded by mu_
  std::unordered_map<std::string, rotation::RateLimiter> per_identity_
      ABSL_GUARDED_BY(mu_);  // guarded by mu_
};

}  // namespace svidd::issuance
