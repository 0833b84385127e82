// Allow-list check of a workload's PKCS#10 request. Mechanism only: it says what the CSR
// asks for and whether that is well-formed; who may have that identity is decided elsewhere
// (auth/identity_policy.h).
#pragma once

#include <cstddef>
#include <string_view>

#include "absl/status/statusor.h"
#include "svidd/crypto/keys.h"
#include "svidd/spiffe/spiffe_id.h"

namespace svidd::pki {

struct CsrLimits {
  // Larger PEM input is refused before any parsing.
  size_t max_pem_bytes = 32 * 1024;
};

struct ValidatedCsr {
  // The key to certify: the CSR's SubjectPublicKeyInfo bytes, verbatim, and what kind of key
  // it is. The leaf carries exactly these bytes.
  crypto::PublicKeyInfo public_key;
  spiffe::SpiffeId requested_id;  // the one URI SAN
};

// Parses the request with a strict DER walk (no OpenSSL decoders) and refuses with
// INVALID_ARGUMENT and a message naming the problem when the request:
// is too large, not a PEM CSR or not DER (indefinite or non-minimal lengths, trailing bytes);
// has a key other than RSA 2048–8192, ECDSA P-256/P-384 (named curve, never explicit
// parameters) or Ed25519; is signed with a digest other than SHA-256/384/512 (MD5, SHA-1 ...)
// or Ed25519, or with a signature that does not verify; carries more than one
// extension-request attribute; has no SAN extension, a SAN other than URI, or not exactly one
// URI SAN; has a URI that is not a valid SPIFFE ID with a path; requests an extension other
// than subjectAltName, keyUsage, extendedKeyUsage, or basicConstraints with cA=false; requests
// cA=true, keyCertSign or cRLSign. The subject (CN, O, C, OU, ...) and other attributes are
// accepted and ignored (as istiod does): they need only be well-formed DER, and nothing from
// them is copied into the certificate.
absl::StatusOr<ValidatedCsr> ValidateCsr(std::string_view pem, const CsrLimits& limits = {});

}  // namespace svidd::pki
