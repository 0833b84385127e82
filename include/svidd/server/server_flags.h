// svidd's command line: flags, and `--config FILE` (YAML with the same keys; flags win).
#pragma once

#include "CLI/CLI.hpp"
#include "svidd/server/server_options.h"

namespace svidd::server {

// Registers every flag on `app`, writing into `options`. Call app.parse(), then
// FinishServerFlags() to convert the values CLI11 cannot hold directly.
class ServerFlags {
 public:
  ServerFlags(CLI::App& app, ServerOptions& options);
  // Converts durations and key types; INVALID_ARGUMENT naming the flag.
  absl::Status Finish();

 private:
  ServerOptions& options_;
  std::string default_ttl_ = "24h";
  std::string max_ttl_ = "24h";
  std::string ca_key_type_ = "ec-p256";
  std::string ledger_check_at_start_ = "incremental";
  std::string renewal_answer_timeout_ = "30s";
  std::string ca_ttl_ = "30d";
  std::string root_ttl_ = "3650d";
  std::string self_probe_interval_ = "10s";
  std::string handshake_timeout_ = "10s";
  std::string jwks_refresh_ = "5m";
  std::string leader_lease_ttl_ = "15s";
  std::string data_dir_, ca_dir_, jwks_file_, port_file_, jwks_ca_file_, jwks_token_file_;
};

}  // namespace svidd::server
