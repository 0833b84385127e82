// Everything svidd is configured with, from flags or a YAML file (server_flags.h).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "svidd/common/data_dir.h"
#include "svidd/crypto/keys.h"

namespace svidd::server {

// Istio's monitoring port (istiod serves its metrics on 15014), the default for a
// --metrics-listen that names only a host.
inline constexpr int kDefaultMetricsPort = 15014;

struct ServerOptions {
  std::filesystem::path data_dir = "./var/svidd";  // ledger.db, ca/ (unless ca_dir), serving/
  std::filesystem::path ca_dir;                    // existing CA in Istio's layout; "" = own
  // A PostgreSQL ledger (postgresql:// or postgres:// libpq URI) shared by replicas; "" = the
  // SQLite ledger.db in data_dir.
  std::string ledger;
  std::string listen = "127.0.0.1:15012";
  std::string trust_domain = "cluster.local";
  std::filesystem::path jwks_file;  // "" = token authentication off
  // Or the JWKS fetched over HTTPS (jwks_fetcher.h), e.g. the API server's
  // https://kubernetes.default.svc/openid/v1/jwks with the pod's CA and projected token.
  std::string jwks_url;
  std::filesystem::path jwks_ca_file;
  std::filesystem::path jwks_token_file;
  std::chrono::seconds jwks_refresh = std::chrono::minutes(5);
  std::string jwt_issuer;
  std::string jwt_audience = "istio-ca";
  std::vector<std::string> server_names = {"localhost"};
  // SPIFFE IDs (in trust_domain) whose client certificates may call svidd.v1.AdminService.
  std::vector<std::string> admin_ids;
  std::chrono::seconds default_ttl = std::chrono::hours(24);
  std::chrono::seconds max_ttl = std::chrono::hours(24);
  crypto::KeyType ca_key_type = crypto::KeyType::kEcP256;
  // svidd's own CA (no --ca-dir): the intermediate's and the root's lifetimes.
  std::chrono::seconds ca_ttl = std::chrono::hours(24 * 30);
  std::chrono::seconds root_ttl = std::chrono::hours(24 * 3650);
  std::filesystem::path port_file;       // if set, the bound port is written here once serving
  size_t max_message_bytes = 64 * 1024;  // larger gRPC messages are refused unparsed
  size_t max_csr_bytes = 32 * 1024;
  int signing_threads = 0;  // 0 = one per core
  // Signing requests waiting for a worker at most; more are refused at once with
  // RESOURCE_EXHAUSTED (a P-256 signature takes about half a millisecond of one core).
  size_t max_queued_signings = 4096;
  std::chrono::seconds drain_timeout = std::chrono::seconds(15);
  // A ledger behind its signed head (rolled back, truncated) or whose chain does not verify
  // (an edited row) stops issuance: it could have undone revocations. Only this overrides it,
  // for one start: logged, recorded in the ledger's admin log, and the head re-signed.
  bool accept_ledger_rollback = false;
  // How much of the ledger svidd checks before it serves (docs/ledger-integrity.md).
  // kIncremental: the head against the signed checkpoints and ledger-head.json, the events
  // after the newest checkpoint, and every revocation (event and row) of the whole ledger;
  // the full walk then runs in the background and stops issuance if it finds a break.
  // kFull: the full walk before serving (linear in the ledger: minutes at a million rows).
  enum class LedgerCheckAtStart { kIncremental, kFull };
  LedgerCheckAtStart ledger_check_at_start = LedgerCheckAtStart::kIncremental;
  // Several replicas on one ledger (docs/high-availability.md): signing the ledger's
  // checkpoints is one replica's job at a time, chosen by a lease in the ledger that lasts
  // this long unrenewed (the holder renews it every maintenance pass, about once a second).
  // When the holder dies, another replica takes over within this time.
  std::chrono::milliseconds leader_lease_ttl = std::chrono::seconds(15);
  // A connection that has not finished its TLS handshake by then is closed, so idle connects
  // cannot hold descriptors for long (gRPC's default is 120 s).
  std::chrono::seconds handshake_timeout = std::chrono::seconds(10);
  // Every interval svidd opens a new TLS connection to its own port and calls health on it
  // (listener_probe.h); after `self_probe_failures` failures in a row the listener is dead:
  // health turns NOT_SERVING for good and on_listener_dead runs (svidd's main exits non-zero
  // so that the supervisor restarts it). 0 = no probe.
  std::chrono::seconds self_probe_interval = std::chrono::seconds(10);
  int self_probe_failures = 3;
  std::function<void()> on_listener_dead;
  // The svidd program caps accepted gRPC connections below the open-file limit
  // (server/connection_cap.h; 0 = the limit minus a reserve). It sheds connections beyond the
  // cap, the self-probe's too: connections_shed (set by the program; null = no cap) tells the
  // probe that a failure came from the cap, not from a dead listener, and feeds
  // svidd_connections_shed_total and svidd_accept_descriptors_exhausted_total. Only the svidd
  // program enforces the cap (its accept4() interposer); a SviddServer embedded elsewhere
  // ignores max_connections.
  int max_connections = 0;
  struct ConnectionCapCounts {
    uint64_t shed = 0;       // connections closed at accept: beyond the cap
    uint64_t exhausted = 0;  // accepts that failed with EMFILE/ENFILE anyway
  };
  std::function<ConnectionCapCounts()> connections_shed;
  // CRLs: always written to <ca dir>/ca-crl.pem; also served over plain HTTP on crl_listen
  // (HOST:PORT, "" = off); crl_url (a base URL, "" = none) goes into every leaf as its CRL
  // distribution point, BASE/crl/<issuer serial>.crl.
  std::string crl_listen;
  std::string crl_url;
  std::chrono::seconds crl_validity = std::chrono::hours(24);
  // Prometheus metrics and the probes (GET /metrics, /healthz, /readyz) over plain HTTP on
  // metrics_listen (HOST:PORT, "" = off; a HOST alone gets kDefaultMetricsPort).
  std::string metrics_listen;
  // Logging: trace ... off; text or json (log_format.h). SIGHUP re-reads both.
  std::string log_level = "info";
  std::string log_format = "text";

  // Rotation streams (svidd.v1.RotationService).
  int max_renewals_per_second = 100;  // storms are spread, never refused
  double renewal_jitter = 0.1;        // of the lifetime, earlier than half-life
  std::chrono::seconds renewal_answer_timeout = std::chrono::seconds(30);
  // A workload certificate with less than this share of its own life left and no successor
  // is an overdue renewal (OverdueRenewalFilter): counted in
  // svidd_certificates_expiring_without_successor and named by the admin API's audit. Renewal
  // is due at half-life, so at a quarter left it is a quarter of its life late, whatever its
  // TTL. Above 0, below 0.5.
  double renewal_overdue_fraction = 0.25;

  // Overload limits: excess is refused at once with RESOURCE_EXHAUSTED and a retry hint,
  // never queued. 0 = no limit. Replicas of one service account share a SPIFFE ID, so the
  // per-identity limits leave room for a whole Deployment starting at once.
  int max_issuance_per_identity_per_second = 50;
  int max_issuance_per_second = 5000;
  size_t max_streams_per_identity = 1000;
  int max_unsolicited_csrs_per_minute = 10;  // per rotation stream

  // The data directory's layout, with --ca-dir if one was given.
  DataDir layout() const { return DataDir(data_dir, ca_dir); }
  std::filesystem::path EffectiveCaDir() const { return layout().ca(); }
  // What a request that asks for no lifetime gets: default_ttl, clamped to max_ttl like any
  // request (a default above the maximum is not a reason to refuse to start).
  std::chrono::seconds EffectiveDefaultTtl() const { return std::min(default_ttl, max_ttl); }
  std::filesystem::path LedgerPath() const { return layout().ledger(); }
  // The ledger as messages name it: LedgerPath(), or the --ledger URI without its password.
  std::string LedgerName() const;
  std::filesystem::path ServingDir() const { return layout().serving(); }
  std::filesystem::path BundleStatePath() const { return layout().trust_bundle_state(); }

  // INVALID_ARGUMENT naming the offending setting.
  absl::Status Validate() const;
  absl::Status ValidateCrlOptions() const;  // part of Validate()
};

}  // namespace svidd::server
