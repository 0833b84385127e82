// The signing path, step by step: authenticate → validate CSR → authorize identity → build
// profile → sign → record → respond. Each step is its own module; this class only sequences
// them and turns their refusals into the codes Istio's clients expect.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/auth/authenticator.h"
#include "svidd/common/clock.h"
#include "svidd/common/mutex.h"
#include "svidd/ledger/ledger.h"
#include "svidd/metrics/server_metrics.h"
#include "svidd/pki/authority_holder.h"
#include "svidd/pki/csr_validator.h"
#include "svidd/pki/leaf_profile.h"

namespace svidd::issuance {

class IssuanceRateLimiter;
struct IssuanceRateLimits;

// What a caller asks to have signed, once it is known who the caller is.
struct SigningRequest {
  std::string csr_pem;
  std::chrono::seconds requested_ttl{0};
  // The certificate this one replaces on a rotation stream ("" if none): recorded.
  std::string supersedes_serial_hex;
};

struct IssuanceRequest {
  std::string csr_pem;
  std::chrono::seconds requested_ttl{0};
  auth::CallCredentials credentials;
  // Istio's request metadata "ImpersonatedIdentity": a node agent asking for another
  // workload's certificate. svidd trusts no node accounts, so an authenticated caller naming
  // one is refused (PERMISSION_DENIED) rather than issued its own identity by surprise.
  std::optional<std::string> impersonated_identity;
};

struct IssuedChain {
  // Istio's response shape: leaf, each intermediate, then the root bundle.
  std::vector<std::string> cert_chain;
  std::string serial_hex;
  std::string spiffe_id;
  TimePoint not_before;
  TimePoint not_after;
  std::string issuer_serial_hex;  // the signing CA certificate
};

class IssuancePipeline {
 public:
  // Every certificate recorded is counted in `metrics` (kind workload, the caller's API) and
  // its time from request to record observed.
  IssuancePipeline(const pki::AuthorityHolder& authorities,
                   const auth::Authenticator& authenticator, ledger::Ledger& ledger,
                   pki::TtlPolicy ttl_policy, pki::CsrLimits csr_limits, const Clock& clock,
                   metrics::ServerMetrics& metrics);

  ~IssuancePipeline();

  // Istio's CreateCertificate. Everything up to signing runs on the calling thread; `done`
  // runs once, on the ledger's thread after the record is durable (or on the calling thread
  // for an early refusal). Refusals: UNAUTHENTICATED, PERMISSION_DENIED, INVALID_ARGUMENT,
  // UNAVAILABLE (no usable CA, ledger write failed: the certificate is withheld), INTERNAL.
  // A serial the ledger already holds (ALREADY_EXISTS: drawn before, here or on another
  // replica) is never handed out: the certificate is signed again with a fresh serial, up to
  // kSerialAttempts times in all.
  using Done = std::function<void(absl::StatusOr<IssuedChain>)>;
  void Issue(IssuanceRequest request, Done done) const;

  // The same path for a caller authenticated earlier through `api` (a rotation stream
  // authenticates once, at open): validate CSR → authorize → profile → sign → record →
  // respond.
  void IssueFor(const auth::CallerIdentity& caller, metrics::IssuanceApi api,
                SigningRequest request, Done done) const;

  static constexpr int kSerialAttempts = 3;

  // Where serial numbers come from: RandomSerial() unless a test sets another source (to
  // force a collision). Call before serving; it is called from any issuing thread.
  using SerialSource = std::function<absl::StatusOr<std::string>()>;
  void SetSerialSource(SerialSource source) { serial_source_ = std::move(source); }

  // Authentication alone, against the active CA (UNAVAILABLE if there is none).
  absl::StatusOr<auth::CallerIdentity> Authenticate(const auth::CallCredentials& credentials) const;
  // Issuance rate limits (per SPIFFE ID and in total); none until set. Call before serving.
  void SetRateLimits(IssuanceRateLimits limits);

  // Stops every issuance from now on with UNAVAILABLE carrying `reason` (the ledger can no
  // longer be trusted to hold every revocation). Idempotent; there is no resume.
  void Halt(std::string reason);
  bool halted() const;

  // Whether an earlier authentication still holds now (Authenticator::Recheck).
  absl::Status Recheck(const auth::CallerIdentity& caller) const {
    return authenticator_.Recheck(caller);
  }

 private:
  const pki::AuthorityHolder& authorities_;
  const auth::Authenticator& authenticator_;
  ledger::Ledger& ledger_;
  pki::TtlPolicy ttl_policy_;
  pki::CsrLimits csr_limits_;
  const Clock& clock_;
  metrics::ServerMetrics& metrics_;
  std::unique_ptr<IssuanceRateLimiter> rate_limiter_;  // null: no limits
  SerialSource serial_source_ = pki::RandomSerial;
  mutable Mutex halt_mu_;
  std::optional<std::string> halted_because_ ABSL_GUARDED_BY(halt_mu_);  // guarded by halt_mu_

  // PERMISSION_DENIED for a client certificate `svidctl admin issue` made.
  absl::Status RefuseOperatorCredential(const auth::CallerIdentity& caller) const;

  // IssueFor, timed from `started` (when the request reached the pipeline).
  void SignAndRecord(const auth::CallerIdentity& caller, metrics::IssuanceApi api,
                     SigningRequest request, std::chrono::steady_clock::time_point started,
                     Done done) const;

  // A certificate on its way to the ledger, with what it takes to sign it again.
  struct PendingLeaf;
  // Signs `leaf` with a fresh serial and records it; on a serial the ledger already holds,
  // again (from the ledger's thread), until kSerialAttempts.
  void SignWithFreshSerialAndRecord(std::shared_ptr<PendingLeaf> leaf) const;
};

}  // namespace svidd::issuance
