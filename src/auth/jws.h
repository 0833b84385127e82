// Compact JWS (RFC 7515) parsing and signature checks for the two algorithms svidd accepts.
// Every refusal is UNAUTHENTICATED; no message ever contains the token.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "auth/jwks_key_set.h"
#include "nlohmann/json.hpp"

namespace svidd::auth {

enum class JwsAlgorithm { kRs256, kEs256 };

const char* JwsAlgorithmName(JwsAlgorithm alg);

struct CompactJws {
  std::string signing_input;  // "<header>.<payload>" exactly as sent
  std::string alg;            // from the header, not yet checked
  std::optional<std::string> kid;
  std::string payload_b64;
  std::string signature;  // decoded
};

// Splits and decodes a compact JWS of at most `max_bytes`: three base64url parts, a JSON
// object header with a string "alg", no "crit". The payload is decoded later, once the
// signature holds.
absl::StatusOr<CompactJws> ParseCompactJws(std::string_view token, size_t max_bytes);

// RS256 and ES256 only. "none", HS*, and everything else are refused with the reason.
absl::StatusOr<JwsAlgorithm> AllowedAlgorithm(std::string_view alg);

// RS256 needs an RSA key, ES256 a P-256 key.
bool AlgorithmFitsKey(JwsAlgorithm alg, JwkType key_type);

// OK if `signature` over `signing_input` verifies with `key` under `alg`. For ES256 the
// signature is JWS's raw r||s (64 bytes), converted to DER for OpenSSL.
absl::Status VerifyJwsSignature(JwsAlgorithm alg, const EVP_PKEY* key,
                                std::string_view signing_input, std::string_view signature);

// The payload as a JSON object.
absl::StatusOr<nlohmann::json> DecodeJwsPayload(const CompactJws& jws);

}  // namespace svidd::auth
