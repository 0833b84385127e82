// Who is calling, as established by an authenticator.
#pragma once

#include <string>

#include "svidd/spiffe/spiffe_id.h"

namespace svidd {

enum class AuthMethod { kKubernetesToken, kClientCertificate };

// "k8s-jwt" / "x509": the spelling stored in the ledger.
const char* AuthMethodName(AuthMethod method);

struct CallerIdentity {
  SpiffeId id;
  AuthMethod method;
  // Who exactly: "system:serviceaccount:<ns>:<sa>" (token) or "x509:<serial hex>" (cert).
  std::string principal;
};

}  // namespace svidd
