// The claim rules for a Kubernetes service-account token, as a pure function of the payload
// and `now`. Every refusal is UNAUTHENTICATED and names the rule.
#pragma once

#include <chrono>
#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "svidd/auth/kubernetes_token_verifier.h"
#include "svidd/common/clock.h"

namespace svidd::auth {

struct TokenClaimRules {
  std::string issuer;
  std::string audience;
  std::chrono::seconds leeway;
  TimePoint now;
};

// iss equals the issuer; aud (string or array) holds the audience; exp present and after
// now - leeway; nbf / iat, if present, not after now + leeway; sub is
// system:serviceaccount:<ns>:<sa> with <ns> a Kubernetes namespace name (RFC 1123 label, at
// most 63) and <sa> a service-account name (DNS subdomain, at most 253); a kubernetes.io
// object, if present, names the same namespace and service account.
absl::StatusOr<KubernetesTokenClaims> CheckTokenClaims(const nlohmann::json& payload,
                                                       const TokenClaimRules& rules);

}  // namespace svidd::auth
