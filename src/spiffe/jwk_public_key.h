// The public-key members of a JWK (RFC 7518 §6, RFC 8037 §2) for an OpenSSL key, as a SPIFFE
// bundle writes them next to "x5c", and as a reader compares them against that certificate.
#pragma once

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "svidd/crypto/ssl_ptr.h"

namespace svidd::spiffe::internal {

// EC P-256/P-384/P-521: {"kty":"EC","crv","x","y"} with fixed-size coordinates;
// RSA: {"kty":"RSA","n","e"} without leading zero octets; Ed25519: {"kty":"OKP","crv","x"}.
// Values are unpadded base64url. INVALID_ARGUMENT for any other key.
absl::StatusOr<nlohmann::ordered_json> PublicJwkMembers(const EVP_PKEY* key);

}  // namespace svidd::spiffe::internal
