// Allow-list check of a workload's PKCS#10 request. Mechanism only: it says what the CSR
// asks for and whether that is well-formed; who may have that identity is decided elsewhere
// (auth/identity_policy.h).
#pragma once

#include <cstddef>
#include <string_view>

#include "absl/status/statusor.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/ssl_ptr.h"
#include "svidd/spiffe/spiffe_id.h"

namespace svidd {

struct CsrLimits {
  // Larger PEM input is refused before any parsing.
  size_t max_pem_bytes = 32 * 1024;
};

struct ValidatedCsr {
  EvpPkeyPtr public_key;   // the key to certify
  KeyDescription key;      // what kind of key it is
  SpiffeId requested_id;   // the one URI SAN
};

// Refuses with INVALID_ARGUMENT and a message naming the problem when the request:
// is too large or not a PEM CSR; has a signature that does not verify; has a key other than
// RSA 2048–8192, ECDSA P-256/P-384 (named curve, never explicit parameters) or Ed25519; is
// signed with a digest other than SHA-256/384/512 (MD5, SHA-1 ...) or Ed25519; has no SAN
// extension, a SAN other than URI, or not exactly one URI SAN; has a URI that is not a valid
// SPIFFE ID with a path; requests an
// extension other than subjectAltName, keyUsage, extendedKeyUsage, or basicConstraints with
// cA=false; requests cA=true, keyCertSign or cRLSign; has a non-empty subject other than an
// empty O (Istio sends O="") — a CN or any other attribute is refused.
absl::StatusOr<ValidatedCsr> ValidateCsr(std::string_view pem, const CsrLimits& limits = {});

}  // namespace svidd
