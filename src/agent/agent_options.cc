#include "svidd/agent/agent_options.h"

#include "absl/strings/str_cat.h"
#include "svidd/spiffe/spiffe_id.h"

namespace svidd::agent {

absl::StatusOr<crypto::KeyType> ParseAgentKeyType(std::string_view name) {
  absl::StatusOr<crypto::KeyType> type = crypto::ParseKeyType(name);
  if (type.ok() && (*type == crypto::KeyType::kEcP256 || *type == crypto::KeyType::kEcP384 ||
                    *type == crypto::KeyType::kRsa2048)) {
    return type;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--key-type \"", std::string(name), "\": use ec-p256, ec-p384 or rsa-2048"));
}

absl::Status AgentOptions::Validate() const {
  if (server.empty()) return absl::InvalidArgumentError("--server HOST:PORT is required");
  if (root_cert_file.empty()) {
    return absl::InvalidArgumentError("--root-cert is required (the roots to trust svidd with)");
  }
  if (token_file.empty() && spiffe_id.empty()) {
    return absl::InvalidArgumentError(
        "--token-file is required (to authenticate, and to derive the SPIFFE ID)");
  }
  if (absl::Status s = spiffe::SpiffeId::ValidateTrustDomain(trust_domain); !s.ok()) {
    return absl::InvalidArgumentError("--trust-domain: " + std::string(s.message()));
  }
  if (out_dir.empty() && workload_api_socket.empty()) {
    return absl::InvalidArgumentError(
        "nothing to deliver the SVID to: give --out-dir, --workload-api-socket or both");
  }
  if (ttl.count() < 0) return absl::InvalidArgumentError("--ttl must not be negative");
  if (workload_api_socket_mode > 0777) {
    return absl::InvalidArgumentError("--workload-api-socket-mode is an octal mode up to 0777");
  }
  if ((workload_api_socket_mode & 077) != 0 && workload_uids.empty() && workload_gids.empty()) {
    return absl::InvalidArgumentError(
        "--workload-api-socket-mode lets other users connect to the socket, which hands out the "
        "private key: name who may be served with --workload-uid and/or --workload-gid");
  }
  if (on_rotate_timeout.count() <= 0) {
    return absl::InvalidArgumentError("--on-rotate-timeout must be positive");
  }
  return absl::OkStatus();
}

}  // namespace svidd::agent
