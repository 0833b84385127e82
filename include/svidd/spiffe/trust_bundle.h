// A trust domain's X.509 roots and the forms in which svidd hands them out (`svidctl bundle`,
// the rotation stream, the Workload API):
//   - plain PEM, Istio's root-cert.pem;
//   - a SPIFFE bundle: a JWK Set whose keys are the roots ("use": "x509-svid", the public key
//     parameters, "x5c" with the DER certificate, no "kid"), plus "spiffe_sequence" and
//     "spiffe_refresh_hint" (SPIFFE Trust Domain and Bundle, §4);
//   - a Kubernetes ConfigMap "istio-ca-root-cert" with key "root-cert.pem", as istiod
//     publishes it to every namespace, in YAML or JSON.
// A SPIFFE bundle can be parsed back (tests, and federation later).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/crypto/ssl_ptr.h"

namespace svidd::spiffe {

class TrustBundle {
 public:
  static constexpr std::chrono::seconds kDefaultRefreshHint{300};
  static constexpr char kConfigMapName[] = "istio-ca-root-cert";
  static constexpr char kConfigMapKey[] = "root-cert.pem";

  // Shares (up-references) the certificates. No roots is allowed: it means "trust nothing
  // from this domain". INVALID_ARGUMENT for a bad trust domain, a null root or a negative
  // refresh hint.
  static absl::StatusOr<TrustBundle> Create(
      std::string_view trust_domain, const std::vector<const X509*>& roots, uint64_t sequence,
      std::chrono::seconds refresh_hint = kDefaultRefreshHint);

  // Reads a SPIFFE bundle of `trust_domain`. Keys of another use (JWT-SVID authorities) are
  // skipped. INVALID_ARGUMENT naming the key and the problem: no "keys" array, an x509-svid
  // key without exactly one "x5c" certificate, x5c that is not canonical base64 DER, or key
  // parameters ("kty", "crv", "x", "y", "n", "e") that differ from the certificate's key. An
  // absent spiffe_sequence or spiffe_refresh_hint reads as 0.
  static absl::StatusOr<TrustBundle> ParseSpiffeJwks(std::string_view trust_domain,
                                                     std::string_view json);

  TrustBundle(TrustBundle&&) = default;
  TrustBundle& operator=(TrustBundle&&) = default;

  const std::string& trust_domain() const { return trust_domain_; }
  const std::vector<crypto::X509Ptr>& roots() const { return roots_; }
  uint64_t sequence() const { return sequence_; }
  std::chrono::seconds refresh_hint() const { return refresh_hint_; }

  // Every root, PEM, each ending in "\n"; "" when there is none.
  absl::StatusOr<std::string> ToPem() const;
  // The SPIFFE bundle as JSON text, indented by two spaces, ending in "\n".
  absl::StatusOr<std::string> ToSpiffeJwks() const;
  // The ConfigMap; `ns` ("" for none) goes into metadata.namespace and must be a DNS-1123
  // label. Labelled istio.io/config: "true", as istiod's own.
  absl::StatusOr<std::string> ToConfigMapYaml(std::string_view ns = "") const;
  absl::StatusOr<std::string> ToConfigMapJson(std::string_view ns = "") const;

 private:
  TrustBundle(std::string trust_domain, std::vector<crypto::X509Ptr> roots, uint64_t sequence,
              std::chrono::seconds refresh_hint)
      : trust_domain_(std::move(trust_domain)),
        roots_(std::move(roots)),
        sequence_(sequence),
        refresh_hint_(refresh_hint) {}

  std::string trust_domain_;
  std::vector<crypto::X509Ptr> roots_;
  uint64_t sequence_ = 0;
  std::chrono::seconds refresh_hint_{0};
};

}  // namespace svidd::spiffe
