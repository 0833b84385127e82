// svid-agent's command line.
#pragma once

#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "svidd/agent/agent_options.h"

namespace svidd::agent {

// Registers every flag on `app`, writing into `options`. Call app.parse(), then Finish() to
// convert what CLI11 cannot hold directly (durations, key type, octal mode).
class AgentFlags {
 public:
  AgentFlags(CLI::App& app, AgentOptions& options);
  // INVALID_ARGUMENT naming the flag.
  absl::Status Finish();

 private:
  AgentOptions& options_;
  std::string root_cert_, token_file_, out_dir_, socket_;
  std::string ttl_ = "24h";
  std::string key_type_ = "ec-p256";
  std::string socket_mode_ = "0600";
  std::vector<std::string> workload_uids_, workload_gids_;
  std::string on_rotate_timeout_ = "30s";
};

}  // namespace svidd::agent
