#include "svidd/server/server_flags.h"

#include <memory>

#include "absl/strings/ascii.h"
#include "server/yaml_config.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"

namespace svidd::server {
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
  // A misspelt key must not be ignored silently.
  app.allow_config_extras(CLI::config_extras_mode::error);
  data_dir_ = options.data_dir.string();
  app.add_option("--data-dir", data_dir_, "Holds ledger.db, ca/ (unless --ca-dir) and serving/")
      ->capture_default_str();
  app.add_option("--ledger", options.ledger,
                 "A PostgreSQL ledger shared by replicas: a libpq URI, postgresql://USER:PASS@HOST:"
                 "PORT/DB?sslmode=... (default: the SQLite ledger.db in --data-dir)")
      ->envname("SVIDD_LEDGER");
  app.add_option("--leader-lease-ttl", leader_lease_ttl_,
                 "Replicas sharing a ledger: how long the lease for signing its checkpoints "
                 "lasts unrenewed, i.e. how soon another replica takes over from a dead one "
                 "(at least 3s; the holder renews it about once a second)")
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
  app.add_option("--jwks-url", options.jwks_url,
                 "Fetch the JWKS over HTTPS instead of --jwks-file, e.g. "
                 "https://kubernetes.default.svc/openid/v1/jwks; refreshed every --jwks-refresh "
                 "and when a token names an unknown key");
  app.add_option("--jwks-ca-file", jwks_ca_file_,
                 "CA bundle that --jwks-url's server must chain to, e.g. "
                 "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt (default: the system's)");
  app.add_option("--jwks-token-file", jwks_token_file_,
                 "Bearer token sent to --jwks-url, re-read for every fetch, e.g. "
                 "/var/run/secrets/kubernetes.io/serviceaccount/token");
  app.add_option("--jwks-refresh", jwks_refresh_, "How often --jwks-url is fetched again")
      ->capture_default_str();
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
  app.add_option("--ca-ttl", ca_ttl_,
                 "Lifetime of svidd's own intermediate; at least 6 x --max-ttl. The next one is "
                 "prepared at half-life and signs with a sixth left")
      ->capture_default_str();
  app.add_option("--root-ttl", root_ttl_,
                 "Lifetime of svidd's own root; it rotates at half-life or on `svidctl ca "
                 "rotate-root`")
      ->capture_default_str();
  app.add_option("--port-file", port_file_, "Write the bound port here once serving");
  app.add_option("--max-issuance-per-identity-per-second",
                 options.max_issuance_per_identity_per_second,
                 "Certificates one SPIFFE ID may get per second (0: no limit); more are refused "
                 "with RESOURCE_EXHAUSTED")
      ->capture_default_str();
  app.add_option("--max-issuance-per-second", options.max_issuance_per_second,
                 "Certificates issued per second in total (0: no limit)")
      ->capture_default_str();
  app.add_option("--max-streams-per-identity", options.max_streams_per_identity,
                 "Rotation streams one SPIFFE ID may hold open (0: no limit)")
      ->capture_default_str();
  app.add_option("--max-unsolicited-csrs-per-minute", options.max_unsolicited_csrs_per_minute,
                 "CSRs a rotation stream may send unasked per minute (0: no limit)")
      ->capture_default_str();
  app.add_option("--self-probe-interval", self_probe_interval_,
                 "How often svidd dials its own port to check that it still accepts (0: never); "
                 "after 3 failures in a row it exits non-zero for its supervisor to restart it")
      ->capture_default_str();
  app.add_option("--max-connections", options.max_connections,
                 "gRPC connections held at once; more are closed at accept (0: no count; the "
                 "open-file limit minus a reserve of 1/8, 64 to 1024, caps them anyway)")
      ->capture_default_str();
  app.add_option("--handshake-timeout", handshake_timeout_,
                 "Close connections that have not completed TLS by then")
      ->capture_default_str();
  app.add_flag("--accept-ledger-rollback", options.accept_ledger_rollback,
               "Start although the ledger is behind its signed head or does not verify (it may "
               "have lost revocations); recorded in the ledger");
  // A string here, converted in Finish(): a CLI11 transformer to the enum would make
  // --check-config print the enum's number instead of the word.
  app.add_option("--ledger-check-at-start", ledger_check_at_start_,
                 "incremental: check the head, the events after the newest signed checkpoint and "
                 "every revocation before serving, then walk the whole ledger in the background "
                 "(a break stops issuance); full: walk the whole ledger before serving")
      ->capture_default_str();
  app.add_option("--max-message-bytes", options.max_message_bytes, "Largest gRPC message accepted")
      ->capture_default_str();
  app.add_option("--signing-threads", options.signing_threads, "Signing workers (0: one per core)")
      ->capture_default_str();
  app.add_option("--max-queued-signings", options.max_queued_signings,
                 "Signing requests waiting for a worker at most; more are refused with "
                 "RESOURCE_EXHAUSTED")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--max-renewals-per-second", options.max_renewals_per_second,
                 "Renewal requests pushed per second at most; a storm is spread, not refused")
      ->capture_default_str();
  app.add_option("--renewal-jitter", options.renewal_jitter,
                 "Fraction of the lifetime by which renewals are moved earlier than half-life, "
                 "at random (0-0.5)")
      ->capture_default_str();
  app.add_option("--renewal-answer-timeout", renewal_answer_timeout_,
                 "How long a stream may take to answer a renewal request before it is asked "
                 "again (with backoff)")
      ->capture_default_str();
  app.add_option("--renewal-overdue-fraction", options.renewal_overdue_fraction,
                 "A workload certificate with less than this share of its own life left and no "
                 "successor counts as an overdue renewal in "
                 "svidd_certificates_expiring_without_successor and the audit (0-0.5)")
      ->capture_default_str();
  app.add_option("--crl-listen", options.crl_listen,
                 "HOST:PORT to serve CRLs on over plain HTTP (GET /crl/<issuer-serial>.crl, "
                 "GET /ca-crl.pem); off by default");
  app.add_option(
      "--crl-url", options.crl_url,
      "Base URL of --crl-listen as clients reach it, e.g. http://svidd.svidd-system:8080;"
      " issued certificates then name BASE/crl/<issuer-serial>.crl as their CRL "
      "distribution point");
  app.add_option("--metrics-listen", options.metrics_listen,
                 "HOST:PORT to serve Prometheus metrics and probes on over plain HTTP (GET "
                 "/metrics, /healthz, /readyz); a HOST alone means port 15014, Istio's "
                 "monitoring port; off by default. The same address as --crl-listen serves "
                 "both from one listener");
  app.add_option("--log-level", options.log_level,
                 "trace, debug, info, warn, error, critical, off (SIGHUP re-reads it)")
      ->capture_default_str();
  app.add_option("--log-format", options.log_format,
                 "text, or json: one JSON object per line, for log collectors")
      ->capture_default_str();
}

namespace {

// "0.0.0.0" -> "0.0.0.0:15014", "[::]" -> "[::]:15014"; HOST:PORT unchanged. A bare number
// is left alone (and refused by Validate()): it is a port without a host, not a host.
std::string WithDefaultPort(const std::string& listen, int port) {
  if (listen.empty() || listen.find_first_not_of("0123456789") == std::string::npos) {
    return listen;
  }
  const bool bracketed = listen.front() == '[';
  const bool has_port =
      bracketed ? listen.find("]:") != std::string::npos : listen.find(':') != std::string::npos;
  return has_port ? listen : listen + ":" + std::to_string(port);
}

}  // namespace

absl::Status ServerFlags::Finish() {
  options_.data_dir = data_dir_;
  options_.ca_dir = ca_dir_;
  options_.jwks_file = jwks_file_;
  options_.jwks_ca_file = jwks_ca_file_;
  options_.jwks_token_file = jwks_token_file_;
  SVIDD_ASSIGN_OR_RETURN(options_.jwks_refresh, ParseFlagDuration("jwks-refresh", jwks_refresh_));
  options_.port_file = port_file_;
  options_.metrics_listen = WithDefaultPort(options_.metrics_listen, kDefaultMetricsPort);
  SVIDD_ASSIGN_OR_RETURN(options_.default_ttl, ParseFlagDuration("default-ttl", default_ttl_));
  SVIDD_ASSIGN_OR_RETURN(options_.max_ttl, ParseFlagDuration("max-ttl", max_ttl_));
  SVIDD_ASSIGN_OR_RETURN(options_.leader_lease_ttl,
                         ParseFlagDuration("leader-lease-ttl", leader_lease_ttl_));
  SVIDD_ASSIGN_OR_RETURN(options_.ca_ttl, ParseFlagDuration("ca-ttl", ca_ttl_));
  SVIDD_ASSIGN_OR_RETURN(options_.root_ttl, ParseFlagDuration("root-ttl", root_ttl_));
  SVIDD_ASSIGN_OR_RETURN(options_.self_probe_interval,
                         ParseFlagDuration("self-probe-interval", self_probe_interval_));
  SVIDD_ASSIGN_OR_RETURN(options_.handshake_timeout,
                         ParseFlagDuration("handshake-timeout", handshake_timeout_));
  SVIDD_ASSIGN_OR_RETURN(options_.renewal_answer_timeout,
                         ParseFlagDuration("renewal-answer-timeout", renewal_answer_timeout_));
  const std::string check = absl::AsciiStrToLower(ledger_check_at_start_);
  if (check == "incremental") {
    options_.ledger_check_at_start = ServerOptions::LedgerCheckAtStart::kIncremental;
  } else if (check == "full") {
    options_.ledger_check_at_start = ServerOptions::LedgerCheckAtStart::kFull;
  } else {
    return absl::InvalidArgumentError("--ledger-check-at-start: '" + ledger_check_at_start_ +
                                      "' is neither incremental nor full");
  }
  auto key_type = crypto::ParseKeyType(ca_key_type_);
  if (!key_type.ok()) {
    return absl::InvalidArgumentError("--ca-key-type: " + std::string(key_type.status().message()));
  }
  options_.ca_key_type = *key_type;
  return options_.Validate();
}

}  // namespace svidd::server
