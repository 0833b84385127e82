#include "server/rotation_hub.h"

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"
#include "svidd/api/grpc_status.h"
#include "svidd/common/lifetime.h"
#include "svidd/common/time_format.h"

namespace svidd::server {
namespace {

using Reason = RotationSession::Reason;

// The loop never sleeps longer than this, so a fake clock moved by a test (or a wall clock
// that jumped) is noticed within a second.
constexpr auto kMaxSleep = std::chrono::seconds(1);

}  // namespace

svidd::v1::TrustBundle BundleMessage(const publish::TrustBundleSnapshot& bundle,
                                     std::chrono::seconds refresh_hint) {
  svidd::v1::TrustBundle message;
  message.set_trust_domain(bundle.trust_domain);
  message.set_sequence(bundle.sequence);
  message.set_root_certs_pem(bundle.roots_pem);
  for (const std::string& crl : bundle.crls_der) message.add_crls(crl);
  message.set_refresh_hint_seconds(refresh_hint.count());
  return message;
}

RotationHub::RotationHub(const issuance::IssuancePipeline& pipeline, WorkerPool& signers,
                         const ledger::Ledger& ledger, publish::TrustBundlePublisher& bundles,
                         rotation::RenewalScheduler& scheduler, const Clock& clock,
                         metrics::ServerMetrics& metrics, RotationHubOptions options)
    : pipeline_(pipeline),
      signers_(signers),
      ledger_(ledger),
      bundles_(bundles),
      scheduler_(scheduler),
      clock_(clock),
      metrics_(metrics),
      options_(options) {}

RotationHub::~RotationHub() { Stop(); }

void RotationHub::Start() {
  MutexLock lock(&loop_mu_);
  if (loop_.joinable() || stopping_) return;
  loop_ = std::thread([this] { Loop(); });
}

void RotationHub::Stop() {
  {
    MutexLock lock(&loop_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  loop_cv_.SignalAll();
  if (loop_.joinable()) loop_.join();
  CloseWhere([](const SessionView&) { return true; },
             grpc::Status(grpc::StatusCode::UNAVAILABLE, "svidd is shutting down; reconnect"));
}

void RotationHub::Wake() {
  {
    MutexLock lock(&loop_mu_);
    woken_ = true;
  }
  loop_cv_.SignalAll();
}

void RotationHub::Loop() {
  for (;;) {
    {
      MutexLock lock(&loop_mu_);
      if (stopping_) return;
    }
    RunOnce(clock_.Now());
    std::optional<TimePoint> next = scheduler_.NextWakeup(clock_.Now());
    const auto sleep = next.has_value()
                           ? std::min<std::chrono::nanoseconds>(*next - clock_.Now(), kMaxSleep)
                           : std::chrono::nanoseconds(kMaxSleep);
    MutexLock lock(&loop_mu_);
    if (sleep > std::chrono::nanoseconds::zero()) {
      loop_cv_.WaitFor(&loop_mu_, sleep, [this] {
        loop_mu_.AssertHeld();
        return stopping_ || woken_;
      });
    }
    woken_ = false;
  }
}

void RotationHub::RunOnce(TimePoint now) {
  rotation::DueBatch batch = scheduler_.TakeDue(now);
  for (uint64_t id : batch.due) {
    auto session = Find(id);
    if (session == nullptr) continue;
    session->RequestRenewal(svidd::v1::RenewalRequested::SCHEDULED, options_.answer_timeout);
    metrics_.RecordRenewalRequested();
  }
  for (const rotation::UnrenewedWorkload& lost : batch.expired) {
    auto session = Find(lost.id);
    if (session == nullptr) continue;
    SessionView view = session->view();
    spdlog::error(
        "rotation: certificate {} of {} expired at {} without renewal after {} "
        "request(s); closing its stream so it re-authenticates",
        view.current_serial, view.spiffe_id, FormatRfc3339(lost.not_after), lost.attempts);
    session->Close(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                "your certificate expired before you renewed it; reconnect"));
  }
  for (uint64_t id : batch.abandoned) {
    auto session = Find(id);
    if (session == nullptr) continue;
    spdlog::warn("rotation: stream {} ({}) sent no CSR within {}s of being asked; closing it", id,
                 session->view().spiffe_id, options_.first_issuance_deadline.count());
    session->Close(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                "no CSR received for the initial certificate"));
  }
}

size_t RotationHub::Expedite(const std::function<bool(const SessionView&)>& select, Reason reason,
                             rotation::Urgency urgency) {
  const TimePoint now = clock_.Now();
  size_t count = 0;
  for (const auto& session : Snapshot()) {
    if (!select(session->view())) continue;
    session->SetNextReason(reason);
    MutexLock lock(&mu_);
    if (sessions_.contains(session->id()) && scheduler_.Expedite(session->id(), now, urgency)) {
      ++count;
    }
  }
  if (count > 0) Wake();
  return count;
}

size_t RotationHub::CloseWhere(const std::function<bool(const SessionView&)>& select,
                               const grpc::Status& status) {
  size_t count = 0;
  for (const auto& session : Snapshot()) {
    if (!select(session->view())) continue;
    session->Close(status);
    ++count;
  }
  return count;
}

void RotationHub::Broadcast(std::shared_ptr<const publish::TrustBundleSnapshot> bundle) {
  const svidd::v1::TrustBundle message = BundleMessage(*bundle, options_.bundle_refresh_hint);
  for (const auto& session : Snapshot()) session->SendBundle(message, bundle->sequence);
}

size_t RotationHub::connected() const {
  MutexLock lock(&mu_);
  return sessions_.size();
}

std::vector<SessionView> RotationHub::Sessions() const {
  std::vector<SessionView> out;
  for (const auto& session : Snapshot()) out.push_back(session->view());
  return out;
}

rotation::RenewalSchedulerStats RotationHub::scheduler_stats() const {
  return scheduler_.GetStats(clock_.Now());
}

// ---- for sessions -----------------------------------------------------------------------

absl::StatusOr<auth::CallerIdentity> RotationHub::Authenticate(
    const auth::CallCredentials& credentials) const {
  return pipeline_.Authenticate(credentials);
}

uint64_t RotationHub::NextSessionId() { return next_id_.fetch_add(1); }

// The current state at once: the bundle, then a schedule. A stream that authenticated with
// a certificate on record is scheduled from it; any other stream is due a first issuance.
void RotationHub::Register(std::shared_ptr<RotationSession> session) {
  const uint64_t id = session->id();
  const TimePoint now = clock_.Now();
  {
    MutexLock lock(&loop_mu_);
    if (stopping_) {
      session->Close(grpc::Status(grpc::StatusCode::UNAVAILABLE, "svidd is shutting down"));
      return;
    }
  }
  std::optional<ledger::CertificateRecord> presented;
  if (!session->authenticated_by_.empty()) {
    auto record = ledger_.GetCertificate(session->authenticated_by_);
    if (record.ok() && record->status == ledger::CertStatus::kActive)
      presented = *std::move(record);
  }
  {
    MutexLock lock(&mu_);
    size_t& streams = streams_per_identity_[session->caller_.id.str()];
    if (options_.max_streams_per_identity > 0 && streams >= options_.max_streams_per_identity) {
      if (streams == 0) streams_per_identity_.erase(session->caller_.id.str());
      const absl::Status refusal = absl::ResourceExhaustedError(
          absl::StrCat(session->caller_.id.str(), " already has ", streams,
                       " rotation streams open (the limit); retry in 30 s"));
      if (audit_ != nullptr) {
        audit_->Refused("rotation", session->peer_, refusal,
                        [&] { return session->caller_.id.str(); });
      }
      session->Close(api::ToGrpcStatus(refusal));
      return;
    }
    ++streams;
    sessions_[id] = session;
    metrics_.SetRotationStreams(sessions_.size());
    // The bundle is queued while the session is already visible to rotation passes and
    // bundle pushes (both need mu_): a client that has read the bundle knows its stream is
    // scheduled, and nothing can be queued ahead of the bundle.
    session->SendBundle(BundleMessage(*bundles_.Current(), options_.bundle_refresh_hint),
                        bundles_.Current()->sequence);
    if (presented.has_value()) {
      session->Adopt(presented->serial_hex, presented->issuer_serial_hex);
      scheduler_.Track(
          id,
          Lifetime::Of(presented->not_before, presented->not_after, presented->issued_at).start(),
          presented->not_after);
    } else {
      scheduler_.TrackUnissued(id, now, now + options_.first_issuance_deadline);
    }
  }
  Wake();
}

void RotationHub::Unregister(uint64_t id) {
  MutexLock lock(&mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;  // never registered (refused at open)
  auto count = streams_per_identity_.find(it->second->caller_.id.str());
  if (count != streams_per_identity_.end() && --count->second == 0) {
    streams_per_identity_.erase(count);
  }
  sessions_.erase(it);
  metrics_.SetRotationStreams(sessions_.size());
  scheduler_.Untrack(id);
}

void RotationHub::Sign(const auth::CallerIdentity& caller, issuance::SigningRequest request,
                       issuance::IssuancePipeline::Done done) {
  pipeline_.IssueFor(caller, metrics::IssuanceApi::kRotation, std::move(request), std::move(done));
}

std::optional<TimePoint> RotationHub::OnIssued(uint64_t id, const issuance::IssuedChain& chain) {
  std::optional<TimePoint> renew_at;
  {
    MutexLock lock(&mu_);
    if (!sessions_.contains(id)) return std::nullopt;  // closed meanwhile: nothing to track
    // The lifetime counts from issuance, not from the backdated NotBefore: with a 2-minute
    // backdate a 20-second certificate would otherwise be past half-life at birth.
    const TimePoint from = Lifetime::Of(chain.not_before, chain.not_after, clock_.Now()).start();
    if (!scheduler_.MarkRenewed(id, from, chain.not_after)) {
      scheduler_.Track(id, from, chain.not_after);
    }
    renew_at = scheduler_.ScheduledAt(id);
  }
  Wake();
  return renew_at;
}

std::shared_ptr<RotationSession> RotationHub::Find(uint64_t id) const {
  MutexLock lock(&mu_);
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<RotationSession>> RotationHub::Snapshot() const {
  MutexLock lock(&mu_);
  std::vector<std::shared_ptr<RotationSession>> out;
  out.reserve(sessions_.size());
  for (const auto& [id, session] : sessions_) out.push_back(session);
  return out;
}

}  // namespace svidd::server
