// The allow-list for the extensions a workload's CSR may request (internal to csr_validator),
// checked on the DER of each extension value.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "pki/csr_der.h"

namespace svidd::pki::internal {

// Checks every requested extension: subjectAltName with exactly one URI and nothing else;
// keyUsage without keyCertSign/cRLSign; extendedKeyUsage serverAuth/clientAuth only;
// basicConstraints cA=false; each at most once; anything else refused by name.
// Returns the URI. INVALID_ARGUMENT naming the problem otherwise.
absl::StatusOr<std::string> CheckRequestedExtensions(const std::vector<RequestedExtension>& exts);

// "subjectKeyIdentifier (2.5.29.14)" for an OID's content bytes; the dotted OID alone if
// OpenSSL has no name for it.
std::string DescribeOid(std::string_view oid);

}  // namespace svidd::pki::internal
