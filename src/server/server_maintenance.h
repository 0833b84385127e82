// svidd's periodic work, one pass at a time: the CA manager's tick, the trust bundle and
// svidd's own serving certificate kept current, the ledger's write probe, streams acting on
// revocations, CRLs and the expiring-certificates count refreshed, JWKS refetched, the ledger
// checkpoint signed by the lease holder; then readiness decides what health says. The
// composition root (svidd_server.cc) runs a pass every second on a PeriodicTask, at once when
// another replica announces a revocation, and tests run one after moving a fake clock.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "server/checkpoint_leadership.h"
#include "server/expiring_certificates_gauge.h"
#include "server/rotation_hub.h"
#include "svidd/auth/jwks_fetcher.h"
#include "svidd/ca/ca_manager.h"
#include "svidd/ca/serving_identity.h"
#include "svidd/common/clock.h"
#include "svidd/common/mutex.h"
#include "svidd/issuance/issuance_pipeline.h"
#include "svidd/ledger/ledger.h"
#include "svidd/metrics/refusal_counter.h"
#include "svidd/metrics/server_metrics.h"
#include "svidd/pki/authority_holder.h"
#include "svidd/publish/crl_publisher.h"
#include "svidd/publish/readiness.h"
#include "svidd/publish/revocation_watcher.h"
#include "svidd/server/server_options.h"

namespace svidd::server {

// What a pass works on; every part must outlive the ServerMaintenance.
struct ServerMaintenanceParts {
  const Clock& clock;
  ca::CaManager& ca_manager;
  pki::AuthorityHolder& authorities;
  // Publishes the trust bundle of an authority (and its expiry metrics).
  std::function<absl::Status(const pki::Authority&)> publish_trust;
  ca::ServingIdentity& serving_identity;
  ledger::Ledger& ledger;
  publish::LedgerWriteHealth& ledger_health;
  RotationHub& rotation_hub;
  publish::RevocationWatcher& revocation_watcher;
  publish::CrlPublisher& crls;
  ExpiringCertificatesGauge& expiring;
  auth::JwksFetcher* jwks_fetcher;  // null without --jwks-url
  CheckpointLeadership& checkpoints;
  issuance::IssuancePipeline& pipeline;
  metrics::RefusalCounter& refusals;
  metrics::ServerMetrics& metrics;
  publish::Readiness& readiness;
  // Tells gRPC health (and svidd_serving) what readiness decided.
  std::function<void(bool ready)> set_serving;
  // What the connection cap shed so far (null without a cap), copied into the metrics each pass.
  std::function<ServerOptions::ConnectionCapCounts()> connection_cap_counts;
};

class ServerMaintenance {
 public:
  explicit ServerMaintenance(ServerMaintenanceParts parts) : parts_(std::move(parts)) {}

  // One pass. Ready means: a CA that can sign now ("ca", with its trust bundle published), a
  // current serving certificate ("serving-certificate"), and a writable ledger ("ledger": a
  // real probe write, three failures in a row to turn it false, one success to turn it true
  // again). Returns the first thing that is wrong.
  absl::Status RunPass();
  // The pass svidd makes before it serves: the same, except the count of certificates
  // expiring without a successor, a query over an index range that grows with the ledger
  // (about 0.3 s at a million rows). The loop's first pass, a second later, counts them.
  absl::Status RunStartupPass();
  // What the background loop does each time: a pass, whose failure is logged, and the
  // refusal counts flushed to the ledger.
  void RunScheduledPass();
  // Stops issuance for good, as a checkpoint that finds the chain rewritten does: every
  // issuance refused with `why`, readiness "ledger-integrity" false (NOT_SERVING). Safe from
  // any thread (svidd's background ledger walk).
  void StopIssuing(const std::string& why);

 private:
  absl::Status RunPassLocked(bool count_expiring) ABSL_EXCLUSIVE_LOCKS_REQUIRED(pass_mu_);
  void ActOnRevocations() ABSL_EXCLUSIVE_LOCKS_REQUIRED(pass_mu_);
  void HaltIssuance(const std::string& why) ABSL_EXCLUSIVE_LOCKS_REQUIRED(pass_mu_);

  const ServerMaintenanceParts parts_;
  // One pass at a time: the loop and RunPass() (tests, callers on their own thread) would
  // otherwise tick the CA manager, renew the serving identity and poll the revocation
  // watcher concurrently, none of which is thread-safe.
  Mutex pass_mu_;
};

}  // namespace svidd::server
