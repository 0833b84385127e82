// One workload's rotation stream (svidd.v1.RotationService/Rotate) on gRPC's callback API.
//
// The stream is authenticated at open (on a signing worker, never on gRPC's callback
// thread), and that credential (token exp, or the client
// certificate's validity and revocation) is checked again before every renewal request and
// every CSR: once it has lapsed the stream ends with UNAUTHENTICATED, and the workload
// reconnects with the certificate it was issued meanwhile. From then on the hub (rotation_hub.h)
// decides when to ask for a renewal; the workload answers each request with a CSR for a fresh key,
// which runs through the same issuance pipeline as Istio's CreateCertificate, on a signing
// worker, and is recorded (with the serial it supersedes) before the new chain is sent.
//
// Ownership: gRPC owns the reactor until OnDone; everything else (the hub, signing tasks,
// ledger callbacks) holds the session by shared_ptr. The reactor is only touched under
// op_mu_ and never after OnDone, so a late signing result is dropped, not written to a
// stream that is gone. One read and one write are outstanding at a time; writes queue.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "svidd/auth/caller_identity.h"
#include "svidd/common/mutex.h"
#include "svidd/issuance/issuance_pipeline.h"
#include "svidd/v1/rotation.grpc.pb.h"

namespace svidd::server {

class RotationHub;

// What the hub needs to know about a stream to pick it for re-issuance.
struct SessionView {
  uint64_t id = 0;
  std::string spiffe_id;
  std::string current_serial;         // "" until it holds a certificate svidd knows
  std::string current_issuer_serial;  // the CA certificate that signed it
  std::string authenticated_by;       // client certificate serial the stream opened with
};

class RotationSession : public std::enable_shared_from_this<RotationSession> {
 public:
  using Reason = svidd::v1::RenewalRequested::Reason;

  // The reactor gRPC gets for a new stream, returned at once. A signing worker then
  // authenticates, registers with the hub and sends the current state; a refused caller's
  // stream ends with UNAUTHENTICATED (RESOURCE_EXHAUSTED if the signing queue is full).
  static grpc::ServerBidiReactor<svidd::v1::RotateRequest, svidd::v1::RotateResponse>* Open(
      grpc::CallbackServerContext* context, RotationHub& hub);

  // Called by the hub. Each is a no-op once the stream is finishing.
  void RequestRenewal(Reason reason, std::chrono::seconds respond_within);
  void SendBundle(const svidd::v1::TrustBundle& bundle, uint64_t sequence);
  void Close(const grpc::Status& status);

  SessionView view() const;
  uint64_t id() const { return id_; }
  // The reason the next renewal request will carry, set by whoever expedited it.
  void SetNextReason(Reason reason);

  class Reactor;

 private:
  RotationSession(RotationHub& hub, auth::CallerIdentity caller, std::string authenticated_by);
  void Start(Reactor* reactor);
  // The hub found the certificate the stream authenticated with in the ledger.
  void Adopt(std::string serial, std::string issuer_serial);
  friend class RotationHub;
  void Send(svidd::v1::RotateResponse message);
  void WriteNext() ABSL_EXCLUSIVE_LOCKS_REQUIRED(op_mu_);
  void OnWriteDone(bool ok);
  void OnReadDone(bool ok);
  void HandleCsr(const svidd::v1::CertificateSigningRequest& csr);
  void SignCsr(const svidd::v1::CertificateSigningRequest& csr);  // on a signing worker
  void OnSigned(uint64_t renewal_id, absl::StatusOr<issuance::IssuedChain> result);
  void ReadNext();
  void OnDone();
  // False (and the stream closed with the reason) once the credential it opened with lapsed.
  bool CredentialStillValid();
  // OK, or RESOURCE_EXHAUSTED once this stream sent too many CSRs nobody asked for.
  absl::Status AdmitUnsolicited(uint64_t renewal_id);

  RotationHub& hub_;
  const auth::CallerIdentity caller_;
  const std::string authenticated_by_;
  std::string peer_;  // for audit lines; set by Open() before the session starts
  uint64_t id_ = 0;

  // gRPC operations. op_mu_ is held while the reactor is called (StartRead, StartWrite,
  // Finish), so a reactor is never used after OnDone. That is safe with a plain mutex because
  // gRPC (1.51, server_callback_handlers.h) never runs a reaction inline from those calls: the
  // read and write completions are not inlineable and Finish schedules OnDone. No function
  // here calls another that takes op_mu_ while holding it.
  Mutex op_mu_;
  Reactor* reactor_ ABSL_GUARDED_BY(op_mu_) = nullptr;  // null after OnDone
  bool finishing_ ABSL_GUARDED_BY(op_mu_) = false;
  bool write_in_flight_ ABSL_GUARDED_BY(op_mu_) = false;
  std::optional<grpc::Status> finish_after_write_ ABSL_GUARDED_BY(op_mu_);
  std::deque<svidd::v1::RotateResponse> outbox_ ABSL_GUARDED_BY(op_mu_);
  svidd::v1::RotateResponse writing_ ABSL_GUARDED_BY(op_mu_);  // gRPC reads it until OnWriteDone
  svidd::v1::RotateRequest reading_ ABSL_GUARDED_BY(op_mu_);   // gRPC fills it until OnReadDone

  mutable Mutex state_mu_;
  std::string current_serial_ ABSL_GUARDED_BY(state_mu_);
  std::string current_issuer_serial_ ABSL_GUARDED_BY(state_mu_);
  uint64_t next_renewal_id_ ABSL_GUARDED_BY(state_mu_) = 1;
  uint64_t last_bundle_sequence_ ABSL_GUARDED_BY(state_mu_) = 0;
  int unanswered_requests_ ABSL_GUARDED_BY(state_mu_) = 0;
  std::optional<Reason> next_reason_ ABSL_GUARDED_BY(state_mu_);
  TimePoint unsolicited_window_start_
      ABSL_GUARDED_BY(state_mu_){};  // of the current minute of unsolicited CSRs
  int unsolicited_in_window_ ABSL_GUARDED_BY(state_mu_) = 0;
};

}  // namespace svidd::server
