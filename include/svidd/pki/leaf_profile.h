// The certificate profile: what a workload certificate (X509-SVID) or svidd's own serving
// certificate contains, decided as a pure function of the request, the policy and `now`.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/spiffe/spiffe_id.h"

namespace svidd::pki {

struct TtlPolicy {
  std::chrono::seconds default_ttl = std::chrono::hours(24);
  std::chrono::seconds max_ttl = std::chrono::hours(24);
  // NotBefore is set this far before `now` to absorb clock skew.
  std::chrono::seconds backdate = std::chrono::minutes(2);
};

struct LeafProfile {
  spiffe::SpiffeId id;                 // the only URI SAN
  std::vector<std::string> dns_names;  // empty for workloads; svidd's own server names
  TimePoint not_before;
  TimePoint not_after;
  std::string serial;  // 16 bytes, big-endian, top bit clear and non-zero
};

// requested_ttl <= 0 means the default; above max_ttl is clamped to max_ttl, never refused.
// NotAfter never passes signer_not_after. FAILED_PRECONDITION if the signer has expired
// (now >= signer_not_after).
absl::StatusOr<LeafProfile> BuildLeafProfile(const spiffe::SpiffeId& id,
                                             std::chrono::seconds requested_ttl,
                                             const TtlPolicy& policy, TimePoint now,
                                             TimePoint signer_not_after,
                                             std::vector<std::string> dns_names = {});

// 128 bits from the CSPRNG, positive and non-zero, as 16 big-endian bytes.
absl::StatusOr<std::string> RandomSerial();

}  // namespace svidd::pki
