// The projected Kubernetes service-account token the agent authenticates with. The agent
// never verifies it (svidd does); it only reads who the token names, to know which SPIFFE ID
// to ask for. No message ever contains the token.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "svidd/spiffe/spiffe_id.h"

namespace svidd::agent {

// The token in `path`, surrounding whitespace removed. Read anew on every call: kubelet
// replaces projected tokens before they expire. NOT_FOUND / UNAVAILABLE / INVALID_ARGUMENT
// (empty file).
absl::StatusOr<std::string> ReadServiceAccountToken(const std::filesystem::path& path);

// spiffe://<trust_domain>/ns/<namespace>/sa/<service account> from the unverified JWT
// payload: the `kubernetes.io` claim's `namespace` and `serviceaccount.name`, or else a `sub`
// of the form system:serviceaccount:<ns>:<sa>. INVALID_ARGUMENT saying what is missing.
absl::StatusOr<spiffe::SpiffeId> SpiffeIdFromToken(std::string_view token,
                                                   std::string_view trust_domain);

}  // namespace svidd::agent
