#include "svidd/agent/agent_flags.h"

#include <grp.h>
#include <pwd.h>

#include <charconv>
#include <cstdlib>

#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"

namespace svidd::agent {
namespace {

absl::StatusOr<std::chrono::seconds> FlagDuration(const char* flag, const std::string& value) {
  absl::StatusOr<std::chrono::seconds> d = ParseDuration(value);
  if (!d.ok())
    return absl::InvalidArgumentError(std::string(flag) + ": " + std::string(d.status().message()));
  return d;
}

absl::StatusOr<unsigned> OctalMode(const std::string& value) {
  const bool octal = !value.empty() && value.size() <= 4 &&
                     value.find_first_not_of("01234567") == std::string::npos;
  const unsigned long mode = octal ? std::strtoul(value.c_str(), nullptr, 8) : 01000;
  if (mode > 0777) {
    return absl::InvalidArgumentError("--workload-api-socket-mode \"" + value +
                                      "\": an octal mode such as 0666, 0660 or 0600");
  }
  return static_cast<unsigned>(mode);
}

// A numeric id, or a user (group) name looked up on this host.
absl::StatusOr<std::vector<uint32_t>> Ids(const char* flag, const std::vector<std::string>& values,
                                          bool groups) {
  std::vector<uint32_t> ids;
  for (const std::string& value : values) {
    uint32_t id = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), id);
    if (ec == std::errc() && end == value.data() + value.size()) {
      ids.push_back(id);
    } else if (groups && ::getgrnam(value.c_str()) != nullptr) {
      ids.push_back(::getgrnam(value.c_str())->gr_gid);
    } else if (!groups && ::getpwnam(value.c_str()) != nullptr) {
      ids.push_back(::getpwnam(value.c_str())->pw_uid);
    } else {
      return absl::InvalidArgumentError(std::string(flag) + " \"" + value + "\": not a number " +
                                        "and no such " + (groups ? "group" : "user"));
    }
  }
  return ids;
}

}  // namespace

AgentFlags::AgentFlags(CLI::App& app, AgentOptions& options) : options_(options) {
  app.add_option("--server", options.server, "svidd's HOST:PORT")->required();
  app.add_option("--server-name", options.server_name,
                 "Name svidd's TLS certificate must hold (default: the host of --server; localhost "
                 "for an IP address)");
  app.add_option("--root-cert", root_cert_, "PEM roots to trust svidd with at bootstrap")
      ->required();
  app.add_option("--token-file", token_file_,
                 "Kubernetes service-account token; re-read on every use");
  app.add_option("--spiffe-id", options.spiffe_id,
                 "SPIFFE ID to ask for (default: from the token's namespace and service account)");
  app.add_option("--trust-domain", options.trust_domain, "Trust domain of a derived SPIFFE ID")
      ->capture_default_str();
  app.add_option("--out-dir", out_dir_, "Write cert-chain.pem, key.pem and root-cert.pem here");
  app.add_option("--ttl", ttl_, "Lifetime to request (svidd clamps it; 0: svidd's default)")
      ->capture_default_str();
  app.add_option("--key-type", key_type_, "ec-p256, ec-p384 or rsa-2048")->capture_default_str();
  app.add_option("--workload-api-socket", socket_,
                 "Serve the SPIFFE Workload API on this unix socket");
  app.add_option("--workload-api-socket-mode", socket_mode_,
                 "File mode of the socket (octal); wider than 0600 needs --workload-uid/-gid")
      ->capture_default_str();
  app.add_option(
      "--workload-uid", workload_uids_,
      "Serve callers running as this uid or user (repeatable; default: the agent's uid)");
  app.add_option("--workload-gid", workload_gids_,
                 "Serve callers whose primary group is this gid or group (repeatable)");
  app.add_option("--on-rotate", options.on_rotate,
                 "Run with /bin/sh -c after the files change; its failure is logged, not fatal");
  app.add_option("--on-rotate-timeout", on_rotate_timeout_, "Kill --on-rotate after this long")
      ->capture_default_str();
}

absl::Status AgentFlags::Finish() {
  options_.root_cert_file = root_cert_;
  options_.token_file = token_file_;
  options_.out_dir = out_dir_;
  options_.workload_api_socket = socket_;
  SVIDD_ASSIGN_OR_RETURN(options_.ttl, FlagDuration("--ttl", ttl_));
  SVIDD_ASSIGN_OR_RETURN(options_.on_rotate_timeout,
                         FlagDuration("--on-rotate-timeout", on_rotate_timeout_));
  SVIDD_ASSIGN_OR_RETURN(options_.key_type, ParseAgentKeyType(key_type_));
  SVIDD_ASSIGN_OR_RETURN(options_.workload_api_socket_mode, OctalMode(socket_mode_));
  SVIDD_ASSIGN_OR_RETURN(options_.workload_uids, Ids("--workload-uid", workload_uids_, false));
  SVIDD_ASSIGN_OR_RETURN(options_.workload_gids, Ids("--workload-gid", workload_gids_, true));
  return options_.Validate();
}

}  // namespace svidd::agent
