// The certificate request for one of svidd's own signing CAs, for an offline root to sign
// (`svidctl ca csr`): subject O=<trust domain>, CN=<name>; URI SAN spiffe://<trust domain>;
// basicConstraints CA:true, pathlen:0 and keyUsage keyCertSign+cRLSign, both critical.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "svidd/crypto/ssl_ptr.h"

namespace svidd::pki {

// PEM "CERTIFICATE REQUEST", signed with `key`.
absl::StatusOr<std::string> MakeIntermediateCsr(EVP_PKEY* key, const std::string& trust_domain,
                                                const std::string& common_name);

}  // namespace svidd::pki
