// The allow-list for the extensions a workload's CSR may request (internal to csr_validator).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "svidd/crypto/ssl_ptr.h"

namespace svidd::pki_internal {

// Checks every requested extension: subjectAltName with exactly one URI and nothing else;
// keyUsage without keyCertSign/cRLSign; extendedKeyUsage serverAuth/clientAuth only;
// basicConstraints cA=false; each at most once; anything else refused by name.
// Returns the URI. INVALID_ARGUMENT naming the problem otherwise.
absl::StatusOr<std::string> CheckRequestedExtensions(const STACK_OF(X509_EXTENSION) * exts);

// "subjectKeyIdentifier (2.5.29.14)"; the dotted OID alone if OpenSSL has no name for it.
std::string DescribeObject(const ASN1_OBJECT* obj);

}  // namespace svidd::pki_internal
