// Everything svid-agent is configured with (flags: agent_flags.h).
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "svidd/crypto/keys.h"

namespace svidd::agent {

struct AgentOptions {
  std::string server;       // svidd's HOST:PORT
  std::string server_name;  // TLS name to expect from svidd; "" = the host of `server`,
                            // or localhost for an IP (DefaultTlsServerName)
  std::filesystem::path root_cert_file;  // trust for svidd at bootstrap
  std::filesystem::path token_file;      // projected service-account token, re-read on use
  // "" = derived from the token's kubernetes.io namespace and service account.
  std::string spiffe_id;
  std::string trust_domain = "cluster.local";
  std::filesystem::path out_dir;  // cert-chain.pem, key.pem, root-cert.pem; "" = no files
  std::chrono::seconds ttl = std::chrono::hours(24);  // requested lifetime; 0 = server default
  crypto::KeyType key_type = crypto::KeyType::kEcP256;
  std::filesystem::path workload_api_socket;  // "" = no Workload API
  // Who may connect to the socket: it hands out the private key. See workload_api_server.h.
  // A mode that lets group or others connect needs an explicit allow-list below.
  unsigned workload_api_socket_mode = 0600;
  // Callers served (SO_PEERCRED); both empty = the agent's own uid only.
  std::vector<uint32_t> workload_uids;
  std::vector<uint32_t> workload_gids;
  std::string on_rotate;  // /bin/sh -c command run after the files change; "" = none
  std::chrono::seconds on_rotate_timeout = std::chrono::seconds(30);

  // INVALID_ARGUMENT naming the offending flag.
  absl::Status Validate() const;
};

// The key types a workload may ask for: ec-p256, ec-p384, rsa-2048.
absl::StatusOr<crypto::KeyType> ParseAgentKeyType(std::string_view name);

}  // namespace svidd::agent
