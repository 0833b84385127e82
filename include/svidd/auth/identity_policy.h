// Policy: which identity a caller may be issued. Kept apart from the mechanism that builds
// certificates. Today's rule (istio-csr's): exactly the caller's own identity.
#pragma once

#include "absl/status/status.h"
#include "svidd/auth/caller_identity.h"
#include "svidd/spiffe/spiffe_id.h"

namespace svidd::auth {

// PERMISSION_DENIED, naming both IDs, unless `requested` equals the caller's identity.
absl::Status AuthorizeIdentity(const CallerIdentity& caller, const spiffe::SpiffeId& requested);

}  // namespace svidd::auth
