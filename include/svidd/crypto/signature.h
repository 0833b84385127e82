// Signing and verifying arbitrary messages with a CA key (RSA PKCS#1 v1.5, ECDSA or Ed25519),
// and the digest each key type signs with.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "svidd/crypto/ssl_ptr.h"

namespace svidd::crypto {

// SHA-256 for RSA and EC P-256, SHA-384 for P-384, SHA-512 for larger curves; null for
// Ed25519 / Ed448, whose algorithm fixes the hash.
const EVP_MD* SignatureDigestFor(const EVP_PKEY* key);

// OpenSSL's long name of the signature algorithm `key` signs with: "ecdsa-with-SHA256",
// "sha256WithRSAEncryption", "ED25519", ... INVALID_ARGUMENT for a key that cannot sign.
absl::StatusOr<std::string> SignatureAlgorithmName(const EVP_PKEY* key);

// The signature over `message` (DER for ECDSA, raw for RSA and EdDSA).
absl::StatusOr<std::string> SignMessage(const EVP_PKEY* key, std::string_view message);

// OK if `signature` is `key`'s signature over `message`; UNAUTHENTICATED if it is not.
absl::Status VerifyMessageSignature(const EVP_PKEY* key, std::string_view message,
                                    std::string_view signature);

}  // namespace svidd::crypto
