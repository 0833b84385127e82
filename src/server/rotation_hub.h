// The server side of rotation: every connected stream, the scheduler that decides when each
// renews, and the loop that carries its decisions out. Decisions live in RenewalScheduler
// (pure, clock passed in); this class does the side effects: pushing renewal requests,
// bundles and closes down streams, and handing CSRs to the signing workers.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "server/audit_log.h"
#include "server/rotation_session.h"
#include "svidd/common/clock.h"
#include "svidd/common/mutex.h"
#include "svidd/common/worker_pool.h"
#include "svidd/issuance/issuance_pipeline.h"
#include "svidd/ledger/ledger.h"
#include "svidd/metrics/refusal_counter.h"
#include "svidd/metrics/server_metrics.h"
#include "svidd/publish/trust_bundle_publisher.h"
#include "svidd/rotation/renewal_scheduler.h"

namespace svidd::server {

struct RotationHubOptions {
  // How long a stream may take to answer a renewal request before it is asked again.
  std::chrono::seconds answer_timeout = std::chrono::seconds(30);
  // How long a token-authenticated stream may go without a first certificate once it has
  // been asked for a CSR (its wait in the rate-limited queue before that does not count).
  std::chrono::seconds first_issuance_deadline = std::chrono::minutes(5);
  std::chrono::seconds bundle_refresh_hint = std::chrono::minutes(5);
  // Streams one SPIFFE ID may hold open at once (replicas of one service account share it);
  // more are ended at open with RESOURCE_EXHAUSTED. 0 = no limit.
  size_t max_streams_per_identity = 1000;
  // CSRs a stream may send unasked (not answering a renewal request) per minute; more are
  // refused on the stream with RESOURCE_EXHAUSTED. 0 = no limit.
  int max_unsolicited_csrs_per_minute = 10;
};

class RotationHub {
 public:
  // `metrics` follows the connected streams and counts the renewal requests pushed.
  RotationHub(const issuance::IssuancePipeline& pipeline, WorkerPool& signers,
              const ledger::Ledger& ledger, publish::TrustBundlePublisher& bundles,
              rotation::RenewalScheduler& scheduler, const Clock& clock,
              metrics::ServerMetrics& metrics, RotationHubOptions options);
  ~RotationHub();  // Stop()

  // The background loop: runs RunOnce whenever the scheduler has something due.
  void Start();
  // Stops the loop and ends every stream with UNAVAILABLE (clients reconnect elsewhere or
  // later). Idempotent.
  void Stop();

  // One scheduler pass at `now`: renewal requests for everything due, streams whose
  // certificate expired unrenewed (or that never took a first one) closed.
  void RunOnce(TimePoint now);

  // Re-issuance of every stream `select` picks: due at once, with `reason`. Returns how many.
  size_t Expedite(const std::function<bool(const SessionView&)>& select,
                  RotationSession::Reason reason, rotation::Urgency urgency);
  // Ends every stream `select` picks with `status`. Returns how many.
  size_t CloseWhere(const std::function<bool(const SessionView&)>& select,
                    const grpc::Status& status);
  // Sends `bundle` to every stream that does not have that sequence yet.
  void Broadcast(std::shared_ptr<const publish::TrustBundleSnapshot> bundle);

  size_t connected() const;
  std::vector<SessionView> Sessions() const;
  rotation::RenewalSchedulerStats scheduler_stats() const;

  // Refusals (at open and per CSR) are counted with the Istio service's, for `svidctl stats`.
  void SetRefusalCounter(metrics::RefusalCounter* counter) { refusals_ = counter; }
  // Where sessions write their audit lines (audit_log.h); none if unset.
  void SetAuditLog(AuditLog* audit) { audit_ = audit; }
  AuditLog* audit() const { return audit_; }
  void CountRefusal(const absl::Status& status) {
    if (refusals_ != nullptr) refusals_->Count(status);
  }

  // ---- for RotationSession ----
  const RotationHubOptions& options() const { return options_; }
  TimePoint Now() const { return clock_.Now(); }
  absl::StatusOr<auth::CallerIdentity> Authenticate(const auth::CallCredentials& credentials) const;
  // Runs `task` (a new stream's authentication and registration) on a signing worker; the
  // status says why not (queue full, shutting down).
  absl::Status Admit(std::function<void()> task) { return signers_.Submit(std::move(task)); }
  // Whether the stream's credential still vouches for it now (before every CSR it signs).
  absl::Status Recheck(const auth::CallerIdentity& caller) const {
    return pipeline_.Recheck(caller);
  }
  uint64_t NextSessionId();
  void Register(std::shared_ptr<RotationSession> session);
  void Unregister(uint64_t id);
  // Signs on the calling thread, which must be a signing worker (a task given to Admit).
  void Sign(const auth::CallerIdentity& caller, issuance::SigningRequest request,
            issuance::IssuancePipeline::Done done);
  // The stream now holds `chain`; returns when it will next be asked to renew.
  std::optional<TimePoint> OnIssued(uint64_t id, const issuance::IssuedChain& chain);

 private:
  std::shared_ptr<RotationSession> Find(uint64_t id) const;
  std::vector<std::shared_ptr<RotationSession>> Snapshot() const;
  void Loop();
  void Wake();

  const issuance::IssuancePipeline& pipeline_;
  WorkerPool& signers_;
  const ledger::Ledger& ledger_;
  publish::TrustBundlePublisher& bundles_;
  rotation::RenewalScheduler& scheduler_;
  const Clock& clock_;
  metrics::ServerMetrics& metrics_;
  const RotationHubOptions options_;
  metrics::RefusalCounter* refusals_ = nullptr;
  AuditLog* audit_ = nullptr;

  mutable Mutex mu_;  // sessions_; held while a session is tracked or untracked
  std::unordered_map<uint64_t, std::shared_ptr<RotationSession>> sessions_ ABSL_GUARDED_BY(mu_);
  std::unordered_map<std::string, size_t> streams_per_identity_
      ABSL_GUARDED_BY(mu_);  // guarded by mu_
  std::atomic<uint64_t> next_id_{1};

  Mutex loop_mu_;
  CondVar loop_cv_;
  bool stopping_ ABSL_GUARDED_BY(loop_mu_) = false;
  bool woken_ ABSL_GUARDED_BY(loop_mu_) = false;
  std::thread loop_;  // started under loop_mu_; joined by Stop() once stopping_ is set
};

// The wire form of a bundle snapshot.
svidd::v1::TrustBundle BundleMessage(const publish::TrustBundleSnapshot& bundle,
                                     std::chrono::seconds refresh_hint);

}  // namespace svidd::server
