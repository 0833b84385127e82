// Builds PKCS#10 requests for tests: the well-formed one istio-agent sends, and every way a
// request can be wrong (extra SANs, CA requests, a bad signature, weak keys ...).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/ssl_ptr.h"

namespace svidd::testing {

struct CsrSpec {
  crypto::KeyType key_type = crypto::KeyType::kEcP256;
  const EVP_PKEY* key = nullptr;  // use this key instead of generating one
  std::vector<std::string> uris;  // URI SANs
  std::vector<std::string> dns, emails, ips;
  std::string common_name;      // non-empty => CN in subject
  bool istio_empty_org = true;  // subject O="" like istio-agent
  bool san_critical = true;
  bool request_ca = false;             // basicConstraints cA=true
  bool request_key_cert_sign = false;  // keyUsage keyCertSign
  bool extra_extension = false;        // e.g. a nsComment / subjectKeyIdentifier request
  bool corrupt_signature = false;      // flip a bit in the signature
  int rsa_bits = 0;                    // override RSA size (e.g. 1024) when key_type is RSA
  // Additions to the original spec:
  bool request_crl_sign = false;  // keyUsage cRLSign
  // The extensions a validator allows: keyUsage digitalSignature+keyEncipherment,
  // extendedKeyUsage serverAuth+clientAuth, basicConstraints cA=false.
  bool request_allowed_extensions = false;
  bool challenge_password = false;  // a PKCS#9 challengePassword attribute
  // The signature's digest by name ("SHA1", "MD5"); empty = SHA-256 (none for EdDSA).
  std::string digest;
  // An EC key whose SubjectPublicKeyInfo carries explicit curve parameters (key_type's curve).
  bool explicit_ec_params = false;
};

struct TestCsr {
  crypto::EvpPkeyPtr key;
  std::string pem;
};

absl::StatusOr<TestCsr> BuildCsr(const CsrSpec& spec);

// The common case: what istio-agent sends for `spiffe_id`.
absl::StatusOr<TestCsr> BuildIstioCsr(const std::string& spiffe_id,
                                      crypto::KeyType key_type = crypto::KeyType::kEcP256);

// A key on any named curve OpenSSL knows ("P-521", "secp256k1"), for keys svidd refuses.
absl::StatusOr<crypto::EvpPkeyPtr> GenerateEcKeyOnCurve(const std::string& curve);
// A key on `curve` ("P-256") encoded with explicit parameters instead of the curve's name.
absl::StatusOr<crypto::EvpPkeyPtr> GenerateExplicitEcKey(const std::string& curve);
// An RSA key of any size (e.g. 1024), for keys svidd refuses.
absl::StatusOr<crypto::EvpPkeyPtr> GenerateRsaKey(int bits);

}  // namespace svidd::testing
