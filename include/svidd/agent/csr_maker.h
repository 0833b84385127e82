// The certificate request svid-agent sends for a fresh key: the shape istio-agent sends and
// svidd's ValidateCsr accepts. Subject O="" (an empty PrintableString, as Go encodes it), one
// critical subjectAltName holding exactly the SPIFFE ID as a URI, nothing else; signed with
// SHA-256 (SHA-384 for P-384 keys).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "svidd/crypto/ssl_ptr.h"
#include "svidd/spiffe/spiffe_id.h"

namespace svidd::agent {

// PEM "CERTIFICATE REQUEST". INTERNAL with OpenSSL's reasons if building or signing fails.
absl::StatusOr<std::string> MakeIstioCsr(const spiffe::SpiffeId& id, EVP_PKEY* key);

}  // namespace svidd::agent
