#include "svidd/server/server_options.h"

#include "svidd/common/time_format.h"
#include "svidd/pki/ca_rotation_policy.h"
#include "svidd/pki/crl_builder.h"
#include "svidd/spiffe/spiffe_id.h"

namespace svidd {

absl::Status ServerOptions::ValidateCrlOptions() const {
  if (!crl_listen.empty() && crl_listen.rfind(':') == std::string::npos) {
    return absl::InvalidArgumentError("--crl-listen must be HOST:PORT, got \"" + crl_listen + "\"");
  }
  if (!crl_url.empty()) {
    if (auto s = ValidateCrlUrlBase(crl_url); !s.ok()) {
      return absl::InvalidArgumentError("--crl-url: " + std::string(s.message()));
    }
  }
  if (crl_validity.count() <= 0) {
    return absl::InvalidArgumentError("CRL validity must be positive, got " +
                                      FormatDuration(crl_validity));
  }
  return absl::OkStatus();
}

absl::Status ServerOptions::Validate() const {
  if (auto s = SpiffeId::ValidateTrustDomain(trust_domain); !s.ok()) {
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
  if (!jwks_file.empty() && jwt_issuer.empty()) {
    return absl::InvalidArgumentError(
        "--jwks-file needs --jwt-issuer: tokens are only accepted from a named issuer");
  }
  if (jwt_audience.empty()) return absl::InvalidArgumentError("--jwt-audience must not be empty");
  if (server_names.empty()) {
    return absl::InvalidArgumentError("at least one --server-name is needed");
  }
  for (const std::string& admin : admin_ids) {
    auto id = SpiffeId::Parse(admin);
    if (!id.ok()) {
      return absl::InvalidArgumentError("--admin-id " + admin + ": " +
                                        std::string(id.status().message()));
    }
    if (id->trust_domain() != trust_domain || !id->has_path()) {
      return absl::InvalidArgumentError("--admin-id " + admin + " must be a SPIFFE ID with a "
                                        "path in trust domain " + trust_domain);
    }
  }
  if (max_message_bytes < 1024) {
    return absl::InvalidArgumentError("--max-message-bytes must be at least 1024");
  }
  if (ca_dir.empty()) {
    if (auto s = ValidateCaLifetimes(ca_ttl, root_ttl, max_ttl); !s.ok()) return s;
  }
  if (max_renewals_per_second < 1) {
    return absl::InvalidArgumentError("--max-renewals-per-second must be at least 1");
  }
  if (renewal_jitter < 0 || renewal_jitter > 0.5) {
    return absl::InvalidArgumentError("--renewal-jitter must be between 0 and 0.5");
  }
  if (renewal_answer_timeout.count() <= 0) {
    return absl::InvalidArgumentError("--renewal-answer-timeout must be positive");
  }
  return ValidateCrlOptions();
}

}  // namespace svidd
