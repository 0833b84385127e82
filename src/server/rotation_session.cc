#include "server/rotation_session.h"

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "server/istio_certificate_service.h"
#include "server/rotation_hub.h"
#include "spdlog/spdlog.h"
#include "svidd/api/grpc_status.h"
#include "svidd/common/mutex.h"
#include "svidd/common/refusal.h"
#include "svidd/common/time_format.h"

namespace svidd::server {
namespace {

using svidd::v1::RotateRequest;
using svidd::v1::RotateResponse;

constexpr std::string_view kX509Principal = "x509:";

// The client certificate serial a certificate-authenticated caller opened with.
std::string AuthenticatingSerial(const auth::CallerIdentity& caller) {
  if (caller.method != auth::AuthMethod::kClientCertificate) return "";
  std::string_view principal = caller.principal;
  if (principal.starts_with(kX509Principal)) principal.remove_prefix(kX509Principal.size());
  return std::string(principal);
}

}  // namespace

// gRPC gets the reactor at once; the session it serves exists only once the caller is
// authenticated, on a signing worker. Until then nothing is read or written, so the only
// reactions that can come are OnCancel and, after Finish, OnDone.
class RotationSession::Reactor final
    : public grpc::ServerBidiReactor<RotateRequest, RotateResponse> {
 public:
  // The session serves this stream from now on; false (and the stream finished) if the
  // client cancelled while it was being authenticated.
  bool Attach(std::shared_ptr<RotationSession> session) {
    {
      MutexLock lock(&mu_);
      if (!cancelled_) {
        session_ = std::move(session);
        return true;
      }
    }
    Finish(grpc::Status::CANCELLED);
    return false;
  }

  void OnReadDone(bool ok) override { Session()->OnReadDone(ok); }
  void OnWriteDone(bool ok) override { Session()->OnWriteDone(ok); }
  void OnCancel() override {
    std::shared_ptr<RotationSession> session;
    {
      MutexLock lock(&mu_);
      cancelled_ = true;
      session = session_;
    }
    // Not attached yet: Attach() finishes the stream, or a refusal already did.
    if (session != nullptr) session->Close(grpc::Status::CANCELLED);
  }
  void OnDone() override {
    if (std::shared_ptr<RotationSession> session = Session()) session->OnDone();
    delete this;
  }

 private:
  std::shared_ptr<RotationSession> Session() {
    MutexLock lock(&mu_);
    return session_;
  }

  Mutex mu_;
  std::shared_ptr<RotationSession> session_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

// Authentication reads the ledger (revocations, the presented certificate) and may verify a
// chain, so it runs on a signing worker, as the Istio path's does: gRPC's callback threads
// only hand the call over. A refused caller's stream is finished from there.
grpc::ServerBidiReactor<RotateRequest, RotateResponse>* RotationSession::Open(
    grpc::CallbackServerContext* context, RotationHub& hub) {
  auto* reactor = new Reactor();
  auto refuse = [&hub, reactor](const std::string& peer, const absl::Status& refused) {
    hub.CountRefusal(refused);
    if (AuditLog* audit = hub.audit()) audit->Refused("rotation", peer, refused, nullptr);
    reactor->Finish(api::ToGrpcStatus(refused));
  };
  absl::Status queued = hub.Admit([&hub, reactor, refuse, peer = context->peer(),
                                   credentials = CredentialsFromContext(*context)] {
    absl::StatusOr<auth::CallerIdentity> caller = hub.Authenticate(credentials);
    if (!caller.ok()) return refuse(peer, caller.status());
    std::string authenticated_by = AuthenticatingSerial(*caller);
    std::shared_ptr<RotationSession> session(
        new RotationSession(hub, *std::move(caller), std::move(authenticated_by)));
    session->peer_ = peer;
    if (reactor->Attach(session)) session->Start(reactor);
  });
  if (!queued.ok()) refuse(context->peer(), queued);
  return reactor;
}

RotationSession::RotationSession(RotationHub& hub, auth::CallerIdentity caller,
                                 std::string authenticated_by)
    : hub_(hub),
      caller_(std::move(caller)),
      authenticated_by_(std::move(authenticated_by)),
      id_(hub.NextSessionId()) {}

void RotationSession::Start(Reactor* reactor) {
  {
    MutexLock lock(&op_mu_);
    reactor_ = reactor;
  }
  spdlog::debug("rotation stream {} opened by {} ({})", id_, caller_.id.str(), caller_.principal);
  hub_.Register(shared_from_this());
  ReadNext();
}

void RotationSession::Adopt(std::string serial, std::string issuer_serial) {
  MutexLock lock(&state_mu_);
  current_serial_ = std::move(serial);
  current_issuer_serial_ = std::move(issuer_serial);
}

SessionView RotationSession::view() const {
  MutexLock lock(&state_mu_);
  return SessionView{id_, caller_.id.str(), current_serial_, current_issuer_serial_,
                     authenticated_by_};
}

void RotationSession::SetNextReason(Reason reason) {
  MutexLock lock(&state_mu_);
  next_reason_ = reason;
}

// ---- what the hub pushes ----------------------------------------------------------------

bool RotationSession::CredentialStillValid() {
  absl::Status valid = hub_.Recheck(caller_);
  if (valid.ok()) return true;
  hub_.CountRefusal(valid);
  if (AuditLog* audit = hub_.audit()) {
    audit->Refused("rotation", peer_, valid, [this] { return caller_.id.str(); });
  }
  spdlog::warn("rotation stream {} ({}): closing: {}", id_, caller_.id.str(),
               std::string(valid.message()));
  Close(api::ToGrpcStatus(valid));
  return false;
}

void RotationSession::RequestRenewal(Reason fallback, std::chrono::seconds respond_within) {
  // Never ask a stream whose credential is gone for a CSR it may no longer have answered.
  if (!CredentialStillValid()) return;
  RotateResponse message;
  svidd::v1::RenewalRequested* request = message.mutable_renewal_requested();
  {
    MutexLock lock(&state_mu_);
    Reason reason = fallback;
    if (next_reason_.has_value()) {
      reason = *next_reason_;
    } else if (unanswered_requests_ > 0) {
      reason = svidd::v1::RenewalRequested::RETRY;
    } else if (current_serial_.empty()) {
      reason = svidd::v1::RenewalRequested::INITIAL;
    }
    next_reason_.reset();
    ++unanswered_requests_;
    request->set_renewal_id(next_renewal_id_++);
    request->set_reason(reason);
  }
  request->set_respond_within_seconds(respond_within.count());
  Send(std::move(message));
}

void RotationSession::SendBundle(const svidd::v1::TrustBundle& bundle, uint64_t sequence) {
  {
    MutexLock lock(&state_mu_);
    if (sequence != 0 && sequence <= last_bundle_sequence_) return;  // already has it
    last_bundle_sequence_ = sequence;
  }
  RotateResponse message;
  *message.mutable_bundle() = bundle;
  Send(std::move(message));
}

// ---- the stream -------------------------------------------------------------------------

void RotationSession::Send(RotateResponse message) {
  MutexLock lock(&op_mu_);
  if (finishing_ || reactor_ == nullptr) return;
  outbox_.push_back(std::move(message));
  if (!write_in_flight_) WriteNext();
}

void RotationSession::WriteNext() {
  if (outbox_.empty() || finishing_) return;
  writing_ = std::move(outbox_.front());
  outbox_.pop_front();
  write_in_flight_ = true;
  reactor_->StartWrite(&writing_);
}

void RotationSession::OnWriteDone(bool ok) {
  MutexLock lock(&op_mu_);
  write_in_flight_ = false;
  if (finish_after_write_.has_value()) {
    reactor_->Finish(*finish_after_write_);
    finish_after_write_.reset();
    return;
  }
  if (!ok) {
    // The client is gone; end our side too.
    finishing_ = true;
    outbox_.clear();
    reactor_->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "write to the stream failed"));
    return;
  }
  WriteNext();
}

void RotationSession::Close(const grpc::Status& status) {
  MutexLock lock(&op_mu_);
  if (finishing_ || reactor_ == nullptr) return;
  finishing_ = true;
  outbox_.clear();
  if (write_in_flight_) {
    finish_after_write_ = status;  // Finish once the outstanding write has completed
  } else {
    reactor_->Finish(status);
  }
}

void RotationSession::ReadNext() {
  MutexLock lock(&op_mu_);
  if (finishing_ || reactor_ == nullptr) return;
  reactor_->StartRead(&reading_);
}

void RotationSession::OnReadDone(bool ok) {
  if (!ok) return Close(grpc::Status::OK);  // the client closed its side
  RotateRequest request;
  {
    MutexLock lock(&op_mu_);
    request.Swap(&reading_);  // the next read starts only after this one is handled
  }
  if (request.has_csr()) return HandleCsr(request.csr());
  const absl::Status empty =
      absl::InvalidArgumentError("RotateRequest carries nothing this server understands");
  if (AuditLog* audit = hub_.audit()) {
    audit->Refused("rotation", peer_, empty, [this] { return caller_.id.str(); });
  }
  RotateResponse refusal;
  refusal.mutable_refused()->set_code(grpc::StatusCode::INVALID_ARGUMENT);
  refusal.mutable_refused()->set_message(std::string(empty.message()));
  Send(std::move(refusal));
  ReadNext();
}

// The CSR is handled on a signing worker: re-checking the credential reads the ledger
// (revocations), and signing is CPU work; gRPC's callback thread only hands it over.
void RotationSession::HandleCsr(const svidd::v1::CertificateSigningRequest& csr) {
  absl::Status queued = hub_.Admit([self = shared_from_this(), csr] { self->SignCsr(csr); });
  if (!queued.ok()) OnSigned(csr.renewal_id(), queued);  // refused on the stream
}

void RotationSession::SignCsr(const svidd::v1::CertificateSigningRequest& csr) {
  if (!CredentialStillValid()) return;  // closed; nothing more is read
  if (absl::Status admitted = AdmitUnsolicited(csr.renewal_id()); !admitted.ok()) {
    return OnSigned(csr.renewal_id(), admitted);  // refused on the stream, which stays open
  }
  issuance::SigningRequest request;
  request.csr_pem = csr.csr();
  request.requested_ttl = std::chrono::seconds(csr.validity_seconds());
  {
    MutexLock lock(&state_mu_);
    request.supersedes_serial_hex = current_serial_;
  }
  const uint64_t renewal_id = csr.renewal_id();
  // One CSR at a time per stream: the next read starts once this one is answered.
  hub_.Sign(caller_, std::move(request),
            [self = shared_from_this(), renewal_id](absl::StatusOr<issuance::IssuedChain> result) {
              self->OnSigned(renewal_id, std::move(result));
            });
}

absl::Status RotationSession::AdmitUnsolicited(uint64_t renewal_id) {
  const int limit = hub_.options().max_unsolicited_csrs_per_minute;
  MutexLock lock(&state_mu_);
  const bool asked = renewal_id != 0 && renewal_id < next_renewal_id_ && unanswered_requests_ > 0;
  if (asked || limit <= 0) return absl::OkStatus();
  const TimePoint now = hub_.Now();
  if (now - unsolicited_window_start_ >= std::chrono::minutes(1)) {
    unsolicited_window_start_ = now;
    unsolicited_in_window_ = 0;
  }
  if (unsolicited_in_window_ >= limit) {
    const auto retry = std::chrono::ceil<std::chrono::seconds>(unsolicited_window_start_ +
                                                               std::chrono::minutes(1) - now);
    return Refuse(Refusal::kRateLimited,
                  absl::StrCat("this stream sent ", limit,
                               " CSRs unasked within a minute (the limit); answer renewal "
                               "requests, or retry in ",
                               retry.count(), " s"));
  }
  ++unsolicited_in_window_;
  return absl::OkStatus();
}

void RotationSession::OnSigned(uint64_t renewal_id, absl::StatusOr<issuance::IssuedChain> result) {
  RotateResponse message;
  if (result.ok()) {
    {
      MutexLock lock(&state_mu_);
      current_serial_ = result->serial_hex;
      current_issuer_serial_ = result->issuer_serial_hex;
      unanswered_requests_ = 0;
    }
    if (AuditLog* audit = hub_.audit()) {
      audit->Issued("rotation", peer_, result->spiffe_id, result->serial_hex);
    }
    std::optional<TimePoint> renew_at = hub_.OnIssued(id_, *result);
    svidd::v1::CertificateIssued* issued = message.mutable_issued();
    for (std::string& pem : result->cert_chain) issued->add_cert_chain(std::move(pem));
    issued->set_serial(result->serial_hex);
    issued->set_spiffe_id(result->spiffe_id);
    issued->set_not_before(ToUnixSeconds(result->not_before));
    issued->set_not_after(ToUnixSeconds(result->not_after));
    issued->set_renewal_id(renewal_id);
    if (renew_at.has_value()) issued->set_renew_at(ToUnixSeconds(*renew_at));
  } else {
    hub_.CountRefusal(result.status());
    if (AuditLog* audit = hub_.audit()) {
      audit->Refused("rotation", peer_, result.status(), [this] { return caller_.id.str(); });
    }
    grpc::Status status = api::ToGrpcStatus(result.status());
    message.mutable_refused()->set_renewal_id(renewal_id);
    message.mutable_refused()->set_code(status.error_code());
    message.mutable_refused()->set_message(status.error_message());
    spdlog::warn("rotation stream {} ({}): CSR refused: {}", id_, caller_.id.str(),
                 status.error_message());
  }
  Send(std::move(message));
  ReadNext();
}

void RotationSession::OnDone() {
  {
    MutexLock lock(&op_mu_);
    reactor_ = nullptr;
    finishing_ = true;
    outbox_.clear();
  }
  hub_.Unregister(id_);
  spdlog::debug("rotation stream {} closed", id_);
}

}  // namespace svidd::server
