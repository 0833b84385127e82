// A CSR's key and signature, handled as bytes: the key is described from its
// SubjectPublicKeyInfo and the signature verified with a key built from the raw point or
// modulus (EC_KEY_oct2key, RSA_set0_key, a raw Ed25519 key). This keeps untrusted keys out of
// OpenSSL 3.0's decoder machinery, which costs ~170 µs and thousands of lock operations per
// request (docs/PERFORMANCE.md, "Hot path").
#pragma once

#include "absl/status/statusor.h"
#include "pki/csr_der.h"
#include "svidd/crypto/keys.h"

namespace svidd::pki::internal {

// What key the CSR carries (algorithm, modulus bits or named curve). INVALID_ARGUMENT for a
// key algorithm other than RSA, EC and Ed25519, an EC key with explicit parameters, or a key
// whose encoding is malformed.
absl::StatusOr<crypto::KeyDescription> DescribeCsrKey(const ParsedCsr& csr);

// Refuses signature algorithms other than SHA-256/384/512 with RSA PKCS#1 v1.5 or ECDSA, and
// Ed25519 (MD5 and SHA-1 by name), or that do not fit the key; then verifies the signature
// over the request info. INVALID_ARGUMENT "signature does not verify..." when it does not.
absl::Status VerifyCsrSignature(const ParsedCsr& csr, const crypto::KeyDescription& key);

}  // namespace svidd::pki::internal
