// Who is calling, as established by an authenticator.
#pragma once

#include <string>

#include "svidd/common/clock.h"
#include "svidd/spiffe/spiffe_id.h"

namespace svidd::auth {

enum class AuthMethod { kKubernetesToken, kClientCertificate };

// "k8s-jwt" / "x509": the spelling stored in the ledger.
const char* AuthMethodName(AuthMethod method);

struct CallerIdentity {
  spiffe::SpiffeId id;
  AuthMethod method;
  // Who exactly: "system:serviceaccount:<ns>:<sa>" (token) or "x509:<serial hex>" (cert).
  std::string principal;
  // When the credential stops vouching for the caller: the token's exp or the certificate's
  // NotAfter. A long-lived stream re-checks it (Authenticator::Recheck) before every CSR.
  TimePoint valid_until = TimePoint::max();
};

}  // namespace svidd::auth
