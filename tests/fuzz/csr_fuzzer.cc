// The whole CSR validator on untrusted bytes: PEM as sent over the Istio and rotation APIs,
// and raw DER (wrapped into PEM here) so the mutations reach the ASN.1 parser directly.
// Invariants: no crash, no leak, and every accepted request names a workload SPIFFE ID.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "absl/strings/escaping.h"
#include "svidd/pki/csr_validator.h"

namespace {

std::string DerAsPem(std::string_view der) {
  std::string b64 = absl::Base64Escape(absl::string_view(der.data(), der.size()));
  std::string pem = "-----BEGIN CERTIFICATE REQUEST-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
  return pem + "-----END CERTIFICATE REQUEST-----\n";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const bool pem = input.substr(0, 10) == "-----BEGIN";
  auto result = svidd::pki::ValidateCsr(pem ? std::string(input) : DerAsPem(input));
  if (result.ok() && (!result->requested_id.has_path() || result->public_key.der.empty())) {
    std::abort();  // an accepted CSR must name a workload and carry its key
  }
  return 0;
}
