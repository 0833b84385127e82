// Everything svidd is configured with, from flags or a YAML file (server_flags.h).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "svidd/crypto/keys.h"

namespace svidd {

struct ServerOptions {
  std::filesystem::path data_dir = "./var/svidd";  // ledger.db, ca/ (unless ca_dir), serving/
  std::filesystem::path ca_dir;                     // existing CA in Istio's layout; "" = own
  std::string listen = "127.0.0.1:15012";
  std::string trust_domain = "cluster.local";
  std::filesystem::path jwks_file;                  // "" = token authentication off
  std::string jwt_issuer;
  std::string jwt_audience = "istio-ca";
  std::vector<std::string> server_names = {"localhost"};
  // SPIFFE IDs (in trust_domain) whose client certificates may call svidd.v1.AdminService.
  std::vector<std::string> admin_ids;
  std::chrono::seconds default_ttl = std::chrono::hours(24);
  std::chrono::seconds max_ttl = std::chrono::hours(24);
  KeyType ca_key_type = KeyType::kEcP256;
  // svidd's own CA (no --ca-dir): the intermediate's and the root's lifetimes.
  std::chrono::seconds ca_ttl = std::chrono::hours(24 * 30);
  std::chrono::seconds root_ttl = std::chrono::hours(24 * 3650);
  std::filesystem::path port_file;  // if set, the bound port is written here once serving
  size_t max_message_bytes = 64 * 1024;  // larger gRPC messages are refused unparsed
  size_t max_csr_bytes = 32 * 1024;
  int signing_threads = 0;  // 0 = one per core
  std::chrono::seconds drain_timeout = std::chrono::seconds(15);
  // CRLs: always written to <ca dir>/ca-crl.pem; also served over plain HTTP on crl_listen
  // (HOST:PORT, "" = off); crl_url (a base URL, "" = none) goes into every leaf as its CRL
  // distribution point, BASE/crl/<issuer serial>.crl.
  std::string crl_listen;
  std::string crl_url;
  std::chrono::seconds crl_validity = std::chrono::hours(24);
  // Prometheus metrics over plain HTTP at GET /metrics on metrics_listen (HOST:PORT, "" = off).
  std::string metrics_listen;

  // Rotation streams (svidd.v1.RotationService).
  int max_renewals_per_second = 100;  // storms are spread, never refused
  double renewal_jitter = 0.1;        // of the lifetime, earlier than half-life
  std::chrono::seconds renewal_answer_timeout = std::chrono::seconds(30);

  std::filesystem::path EffectiveCaDir() const {
    return ca_dir.empty() ? data_dir / "ca" : ca_dir;
  }
  // What a request that asks for no lifetime gets: default_ttl, clamped to max_ttl like any
  // request (a default above the maximum is not a reason to refuse to start).
  std::chrono::seconds EffectiveDefaultTtl() const { return std::min(default_ttl, max_ttl); }
  std::filesystem::path LedgerPath() const { return data_dir / "ledger.db"; }
  std::filesystem::path ServingDir() const { return data_dir / "serving"; }
  std::filesystem::path BundleStatePath() const { return data_dir / "trust-bundle.json"; }

  // INVALID_ARGUMENT naming the offending setting.
  absl::Status Validate() const;
  absl::Status ValidateCrlOptions() const;  // part of Validate()
};

}  // namespace svidd
