// The SPIFFE bundle format (SPIFFE Trust Domain and Bundle §4): a JWK Set of X.509 roots.
// TrustBundle's JSON half; no trust-domain logic here.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/crypto/ssl_ptr.h"

namespace svidd::spiffe::internal {

struct SpiffeJwks {
  std::vector<crypto::X509Ptr> roots;
  uint64_t sequence = 0;
  std::chrono::seconds refresh_hint{0};
};

// {"keys":[{"use":"x509-svid","kty",<key members>,"x5c":[<base64 DER>]}, ...],
//  "spiffe_sequence":N,"spiffe_refresh_hint":S}, indented, ending in "\n".
absl::StatusOr<std::string> RenderSpiffeJwks(const std::vector<crypto::X509Ptr>& roots,
                                             uint64_t sequence, std::chrono::seconds refresh_hint);

// The x509-svid keys of a SPIFFE bundle; see TrustBundle::ParseSpiffeJwks.
absl::StatusOr<SpiffeJwks> ParseSpiffeJwks(std::string_view json);

}  // namespace svidd::spiffe::internal
