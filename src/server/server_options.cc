#include "svidd/server/server_options.h"

#include "spdlog/spdlog.h"
#include "svidd/common/time_format.h"
#include "svidd/ledger/postgres_ledger.h"
#include "svidd/pki/ca_rotation_policy.h"
#include "svidd/pki/crl_builder.h"
#include "svidd/server/log_format.h"
#include "svidd/spiffe/spiffe_id.h"

namespace svidd::server {

absl::Status ServerOptions::ValidateCrlOptions() const {
  if (!crl_listen.empty() && crl_listen.rfind(':') == std::string::npos) {
    return absl::InvalidArgumentError("--crl-listen must be HOST:PORT, got \"" + crl_listen + "\"");
  }
  if (!crl_url.empty()) {
    if (auto s = pki::ValidateCrlUrlBase(crl_url); !s.ok()) {
      return absl::InvalidArgumentError("--crl-url: " + std::string(s.message()));
    }
  }
  if (crl_validity.count() <= 0) {
    return absl::InvalidArgumentError("CRL validity must be positive, got " +
                                      FormatDuration(crl_validity));
  }
  return absl::OkStatus();
}

std::string ServerOptions::LedgerName() const {
  return ledger.empty() ? LedgerPath().string() : ledger::RedactLedgerUri(ledger);
}

absl::Status ServerOptions::Validate() const {
  if (auto s = ledger::ValidatePostgresUri(ledger); !ledger.empty() && !s.ok()) {
    return absl::InvalidArgumentError("--ledger: " + std::string(s.message()));
  }
  // docs/high-availability.md: a CA svidd made itself lives in one replica's data directory;
  // a second replica on the shared ledger would make another, and the mesh would split.
  if (!ledger.empty() && ca_dir.empty()) {
    return absl::InvalidArgumentError(
        "--ledger: replicas on a shared PostgreSQL ledger must sign with one CA: give them the "
        "same plug-in CA with --ca-dir (Istio's cacerts layout)");
  }
  if (auto s = spiffe::SpiffeId::ValidateTrustDomain(trust_domain); !s.ok()) {
    return absl::InvalidArgumentError("--trust-domain: " + std::string(s.message()));
  }
  if (max_ttl.count() <= 0) {
    return absl::InvalidArgumentError("--max-ttl must be positive, got " + FormatDuration(max_ttl));
  }
  if (default_ttl.count() <= 0) {
    return absl::InvalidArgumentError("--default-ttl must be positive, got " +
                                      FormatDuration(default_ttl));
  }
  if (listen.rfind(':') == std::string::npos) {
    return absl::InvalidArgumentError("--listen must be HOST:PORT, got \"" + listen + "\"");
  }
  if (!metrics_listen.empty() && metrics_listen.rfind(':') == std::string::npos) {
    return absl::InvalidArgumentError("--metrics-listen must be HOST:PORT, got \"" +
                                      metrics_listen + "\"");
  }
  if (auto format = ParseLogFormat(log_format); !format.ok()) return format.status();
  if (spdlog::level::from_str(log_level) == spdlog::level::off && log_level != "off") {
    return absl::InvalidArgumentError(
        "--log-level must be trace, debug, info, warn, error, critical or off, got \"" + log_level +
        "\"");
  }
  if (!jwks_file.empty() && jwt_issuer.empty()) {
    return absl::InvalidArgumentError(
        "--jwks-file needs --jwt-issuer: tokens are only accepted from a named issuer");
  }
  if (!jwks_file.empty() && !jwks_url.empty()) {
    return absl::InvalidArgumentError("--jwks-file and --jwks-url exclude each other");
  }
  if (!jwks_url.empty()) {
    if (jwt_issuer.empty()) {
      return absl::InvalidArgumentError(
          "--jwks-url needs --jwt-issuer: tokens are only accepted from a named issuer");
    }
    if (jwks_url.rfind("https://", 0) != 0) {
      return absl::InvalidArgumentError("--jwks-url must be an https:// URL, got \"" + jwks_url +
                                        "\"");
    }
    if (jwks_refresh.count() < 10) {
      return absl::InvalidArgumentError("--jwks-refresh must be at least 10s");
    }
  } else if (!jwks_ca_file.empty() || !jwks_token_file.empty()) {
    return absl::InvalidArgumentError("--jwks-ca-file and --jwks-token-file need --jwks-url");
  }
  if (jwt_audience.empty()) return absl::InvalidArgumentError("--jwt-audience must not be empty");
  if (server_names.empty()) {
    return absl::InvalidArgumentError("at least one --server-name is needed");
  }
  for (const std::string& admin : admin_ids) {
    auto id = spiffe::SpiffeId::Parse(admin);
    if (!id.ok()) {
      return absl::InvalidArgumentError("--admin-id " + admin + ": " +
                                        std::string(id.status().message()));
    }
    if (id->trust_domain() != trust_domain || !id->has_path()) {
      return absl::InvalidArgumentError("--admin-id " + admin +
                                        " must be a SPIFFE ID with a "
                                        "path in trust domain " +
                                        trust_domain);
    }
  }
  if (max_message_bytes < 1024) {
    return absl::InvalidArgumentError("--max-message-bytes must be at least 1024");
  }
  if (ca_dir.empty()) {
    if (auto s = pki::ValidateCaLifetimes(ca_ttl, root_ttl, max_ttl); !s.ok()) return s;
  }
  if (max_issuance_per_identity_per_second < 0 || max_issuance_per_second < 0 ||
      max_unsolicited_csrs_per_minute < 0) {
    return absl::InvalidArgumentError(
        "--max-issuance-* and --max-unsolicited-csrs-per-minute "
        "must not be negative (0: no limit)");
  }
  if (self_probe_interval.count() < 0 || self_probe_failures < 1 || handshake_timeout.count() < 1) {
    return absl::InvalidArgumentError(
        "--self-probe-interval must not be negative and "
        "--handshake-timeout must be at least 1s");
  }
  if (max_connections < 0) {
    return absl::InvalidArgumentError(
        "--max-connections must not be negative (0: from the "
        "open-file limit)");
  }
  if (!(renewal_overdue_fraction > 0 && renewal_overdue_fraction < 0.5)) {
    return absl::InvalidArgumentError(
        "--renewal-overdue-fraction must be above 0 and below 0.5 (renewal is due at "
        "half-life)");
  }
  if (max_renewals_per_second < 1) {
    return absl::InvalidArgumentError("--max-renewals-per-second must be at least 1");
  }
  if (leader_lease_ttl < std::chrono::seconds(3)) {
    return absl::InvalidArgumentError(
        "--leader-lease-ttl must be at least 3s: the holder renews the lease about once a "
        "second");
  }
  if (renewal_jitter < 0 || renewal_jitter > 0.5) {
    return absl::InvalidArgumentError("--renewal-jitter must be between 0 and 0.5");
  }
  if (renewal_answer_timeout.count() <= 0) {
    return absl::InvalidArgumentError("--renewal-answer-timeout must be positive");
  }
  return ValidateCrlOptions();
}

}  // namespace svidd::server
