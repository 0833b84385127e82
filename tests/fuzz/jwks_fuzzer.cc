// JWKS documents: the Kubernetes issuer's keys (--jwks-file) and SPIFFE trust bundles (the
// x509-svid JWK Set that svidctl and federation read). Both parse JSON from outside svidd.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "auth/jwks_key_set.h"
#include "svidd/spiffe/trust_bundle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto keys = svidd::auth::JwksKeySet::ParseText(text);
  if (keys.ok()) {
    if ((*keys)->keys().empty()) std::abort();  // "no usable key" must be an error
    for (const svidd::auth::JwksKey& key : (*keys)->keys()) {
      if (key.key == nullptr) std::abort();
      (void)(*keys)->WithKid(key.kid);
    }
  }
  // An accepted bundle renders and re-reads to the same roots.
  auto bundle = svidd::spiffe::TrustBundle::ParseSpiffeJwks("cluster.local", text);
  if (bundle.ok()) {
    auto rendered = bundle->ToSpiffeJwks();
    if (!rendered.ok()) std::abort();
    auto again = svidd::spiffe::TrustBundle::ParseSpiffeJwks("cluster.local", *rendered);
    if (!again.ok() || again->roots().size() != bundle->roots().size()) std::abort();
  }
  return 0;
}
