// Key generation and description. The key types svidd issues for and signs with.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "svidd/crypto/ssl_ptr.h"

namespace svidd::crypto {

enum class KeyType { kEcP256, kEcP384, kRsa2048, kRsa3072, kRsa4096, kEd25519 };

// "ec-p256", "ec-p384", "rsa-2048", "rsa-3072", "rsa-4096", "ed25519".
absl::StatusOr<KeyType> ParseKeyType(std::string_view name);
std::string KeyTypeName(KeyType type);

absl::StatusOr<EvpPkeyPtr> GenerateKey(KeyType type);

// What a key is, for policy checks and the ledger.
struct KeyDescription {
  enum class Algorithm { kRsa, kEc, kEd25519, kOther };
  Algorithm algorithm = Algorithm::kOther;
  int bits = 0;       // modulus size for RSA, field size for EC
  std::string curve;  // "P-256" / "P-384" / ... for EC, empty otherwise
  // "RSA-2048", "EC-P256", "ED25519": stored in the ledger and shown to operators.
  std::string Label() const;
};
absl::StatusOr<KeyDescription> DescribeKey(const EVP_PKEY* key);

// Lowercase hex SHA-256 of the key's SubjectPublicKeyInfo DER.
absl::StatusOr<std::string> PublicKeySha256Hex(const EVP_PKEY* key);

// A public key to certify, as its SubjectPublicKeyInfo bytes: a CSR's verbatim (so the leaf
// certifies exactly the key that signed the CSR, with no EVP_PKEY round trip), or a local
// key's encoding (PublicKeyInfoOf).
struct PublicKeyInfo {
  std::string der;  // SubjectPublicKeyInfo DER
  KeyDescription key;
  // Lowercase hex SHA-256 of `der` (what PublicKeySha256Hex gives for the same key).
  absl::StatusOr<std::string> Sha256Hex() const;
};
absl::StatusOr<PublicKeyInfo> PublicKeyInfoOf(const EVP_PKEY* key);

// True if `key` is the private half of the public key in `cert`.
bool KeyMatchesCertificate(const EVP_PKEY* key, const X509* cert);

}  // namespace svidd::crypto
