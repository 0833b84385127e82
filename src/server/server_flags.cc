#include "svidd/server/server_flags.h"

#include <memory>

#include "server/yaml_config.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"

namespace svidd {
namespace {

absl::StatusOr<std::chrono::seconds> ParseFlagDuration(const std::string& flag,
                                                       const std::string& value) {
  auto d = ParseDuration(value);
  if (!d.ok()) {
    return absl::InvalidArgumentError("--" + flag + ": " + std::string(d.status().message()));
  }
  return *d;
}

}  // namespace

ServerFlags::ServerFlags(CLI::App& app, ServerOptions& options) : options_(options) {
  app.config_formatter(std::make_shared<YamlConfig>());
  app.set_config("--config", "", "YAML file with the same keys as the flags (flags win)");
  data_dir_ = options.data_dir.string();
  app.add_option("--data-dir", data_dir_, "Holds ledger.db, ca/ (unless --ca-dir) and serving/")
      ->capture_default_str();
  app.add_option("--ca-dir", ca_dir_,
                 "Load an existing CA in Istio's plug-in layout (ca-cert.pem, ca-key.pem, "
                 "root-cert.pem, cert-chain.pem) instead of the self-made one");
  app.add_option("--listen", options.listen, "HOST:PORT to serve gRPC+TLS on (port 0: any)")
      ->capture_default_str();
  app.add_option("--trust-domain", options.trust_domain, "SPIFFE trust domain")
      ->capture_default_str();
  app.add_option("--jwks-file", jwks_file_,
                 "JWKS of the Kubernetes service-account issuer; re-read when it changes");
  app.add_option("--jwt-issuer", options.jwt_issuer, "Required `iss` of service-account tokens");
  app.add_option("--jwt-audience", options.jwt_audience, "Required `aud` of tokens")
      ->capture_default_str();
  app.add_option("--server-name", options.server_names,
                 "DNS name in svidd's own serving certificate (repeatable)")
      ->capture_default_str();
  app.add_option("--admin-id", options.admin_ids,
                 "SPIFFE ID whose client certificate may use the admin API (repeatable; "
                 "svidctl admin issue makes one)");
  app.add_option("--default-ttl", default_ttl_, "Lifetime when the request asks for none")
      ->capture_default_str();
  app.add_option("--max-ttl", max_ttl_, "Longest lifetime; longer requests are clamped")
      ->capture_default_str();
  app.add_option("--ca-key-type", ca_key_type_,
                 "Key type of a self-made CA: ec-p256, ec-p384, rsa-2048, rsa-3072, rsa-4096")
      ->capture_default_str();
  app.add_option("--port-file", port_file_, "Write the bound port here once serving");
  app.add_option("--max-message-bytes", options.max_message_bytes,
                 "Largest gRPC message accepted")
      ->capture_default_str();
  app.add_option("--signing-threads", options.signing_threads, "Signing workers (0: one per core)")
      ->capture_default_str();
}

absl::Status ServerFlags::Finish() {
  options_.data_dir = data_dir_;
  options_.ca_dir = ca_dir_;
  options_.jwks_file = jwks_file_;
  options_.port_file = port_file_;
  SVIDD_ASSIGN_OR_RETURN(options_.default_ttl, ParseFlagDuration("default-ttl", default_ttl_));
  SVIDD_ASSIGN_OR_RETURN(options_.max_ttl, ParseFlagDuration("max-ttl", max_ttl_));
  auto key_type = ParseKeyType(ca_key_type_);
  if (!key_type.ok()) {
    return absl::InvalidArgumentError("--ca-key-type: " + std::string(key_type.status().message()));
  }
  options_.ca_key_type = *key_type;
  return options_.Validate();
}

}  // namespace svidd
