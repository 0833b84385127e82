// Whether an SVID may be served: the one check for a certificate svidd just issued and for
// one found in --out-dir at start.
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "svidd/agent/x509_svid.h"
#include "svidd/common/clock.h"
#include "svidd/crypto/ssl_ptr.h"
#include "svidd/spiffe/spiffe_id.h"

namespace svidd::agent {

// OK if the SVID names `expected`, is valid at `now`, and its chain verifies (RFC 5280, as a
// TLS client certificate) to one of `roots` at `now`. FAILED_PRECONDITION saying which
// check failed otherwise.
absl::Status VerifySvid(const X509Svid& svid, const std::vector<crypto::X509Ptr>& roots,
                        const spiffe::SpiffeId& expected, TimePoint now);

}  // namespace svidd::agent
