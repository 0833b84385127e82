// Test keys, JWKS documents and Kubernetes-shaped service-account tokens, signed for real
// with OpenSSL (independently of svidd's verifier).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/crypto/ssl_ptr.h"

namespace svidd::testing {

struct TestSigningKey {
  crypto::EvpPkeyPtr key;
  std::string kid;
  std::string alg;  // "RS256" | "ES256"
};

absl::StatusOr<TestSigningKey> MakeRs256Key(const std::string& kid);  // RSA 2048
absl::StatusOr<TestSigningKey> MakeEs256Key(const std::string& kid);  // EC P-256

// {"keys":[...]} with the public parts only (kty, kid, use "sig", alg, n/e or crv/x/y).
std::string JwksJson(const std::vector<const TestSigningKey*>& keys);

struct TokenSpec {
  std::string issuer = "https://kubernetes.default.svc.cluster.local";
  std::vector<std::string> audiences = {"istio-ca"};
  std::string ns = "default", sa = "default";
  std::optional<std::string> subject;  // default system:serviceaccount:<ns>:<sa>
  TimePoint iat;
  std::chrono::seconds ttl = std::chrono::hours(1);  // exp = iat + ttl, nbf = iat
  bool kubernetes_claim = true;                      // the kubernetes.io object
  // Header overrides; a kid_override of "" leaves "kid" out of the header.
  std::optional<std::string> alg_override, kid_override;
  // Addition: with exactly one audience, write "aud" as a string instead of an array.
  bool aud_as_string = false;
};

// The claims object of `spec`, as JSON text.
std::string TokenPayloadJson(const TokenSpec& spec);

// A compact JWS of `spec`, really signed by `key` (with the header's alg overridable).
// An empty string (and a test failure) if signing fails.
std::string MintToken(const TestSigningKey& key, const TokenSpec& spec);

// alg "none", empty signature.
std::string MintUnsignedToken(const TokenSpec& spec);

// alg "HS256", HMAC-SHA256 keyed with `secret`: the key-confusion attack when `secret` is a
// verifier's public key.
std::string MintHs256Token(const std::string& secret, const TokenSpec& spec);

// Lowest level: signs exactly the given header and payload text with `key`'s own algorithm.
std::string SignCompact(const TestSigningKey& key, const std::string& header_json,
                        const std::string& payload_json);

}  // namespace svidd::testing
