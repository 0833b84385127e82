// SPIFFE ID parsing (URI SANs of CSRs and client certificates, admin filters). Invariants: an
// accepted ID prints back to the same text and re-parses to an equal ID; the Istio parts
// round-trip through ForServiceAccount.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "svidd/spiffe/spiffe_id.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto id = svidd::spiffe::SpiffeId::Parse(text);
  if (!id.ok()) return 0;
  if (id->str() != text) std::abort();
  auto again = svidd::spiffe::SpiffeId::Parse(id->str());
  if (!again.ok() || *again != *id) std::abort();
  if (!svidd::spiffe::SpiffeId::ValidateTrustDomain(id->trust_domain()).ok()) std::abort();
  const std::string ns = id->IstioNamespace(), sa = id->IstioServiceAccount();
  if (!ns.empty()) {
    auto rebuilt = svidd::spiffe::SpiffeId::ForServiceAccount(id->trust_domain(), ns, sa);
    if (!rebuilt.ok() || *rebuilt != *id) std::abort();
  }
  return 0;
}
