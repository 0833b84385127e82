#include "svidd/issuance/issuance_pipeline.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "issuance/issuance_rate_limiter.h"
#include "spdlog/spdlog.h"
#include "svidd/auth/identity_policy.h"
#include "svidd/common/refusal.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/issuance/leaf_issuer.h"
#include "svidd/issuance/record_builder.h"

namespace svidd::issuance {
namespace {

// Returns the authority to sign with, or why there is none (UNAVAILABLE: Istio's clients
// retry it, which is right while a CA is being installed or rotated).
absl::StatusOr<std::shared_ptr<const pki::Authority>> UsableAuthority(
    const pki::AuthorityHolder& holder, TimePoint now) {
  std::shared_ptr<const pki::Authority> authority = holder.Get();
  if (authority == nullptr) {
    return Refuse(Refusal::kCaNotReady, "CA not ready: no signing authority loaded");
  }
  if (now >= authority->not_after()) {
    return Refuse(Refusal::kCaNotReady, "CA not ready: the signing certificate expired at " +
                                            FormatRfc3339(authority->not_after()));
  }
  return authority;
}

// The ledger's refusals become UNAVAILABLE (retryable): the certificate was never handed out.
absl::Status WithheldBecause(const absl::Status& record_status) {
  return Refuse(Refusal::kLedger,
                absl::StrCat("could not record the certificate in the ledger, so it was not "
                             "issued: ",
                             record_status.message()));
}

}  // namespace

IssuancePipeline::IssuancePipeline(const pki::AuthorityHolder& authorities,
                                   const auth::Authenticator& authenticator, ledger::Ledger& ledger,
                                   pki::TtlPolicy ttl_policy, pki::CsrLimits csr_limits,
                                   const Clock& clock, metrics::ServerMetrics& metrics)
    : authorities_(authorities),
      authenticator_(authenticator),
      ledger_(ledger),
      ttl_policy_(ttl_policy),
      csr_limits_(csr_limits),
      clock_(clock),
      metrics_(metrics) {}

absl::StatusOr<auth::CallerIdentity> IssuancePipeline::Authenticate(
    const auth::CallCredentials& credentials) const {
  SVIDD_ASSIGN_OR_RETURN(auto authority, UsableAuthority(authorities_, clock_.Now()));
  return authenticator_.Authenticate(credentials, *authority);
}

// Latency is measured on the steady clock: the injected Clock says what time it is for
// decisions (and stands still in tests); it does not measure how long signing took.
void IssuancePipeline::Issue(IssuanceRequest request, Done done) const {
  const auto started = std::chrono::steady_clock::now();
  auto caller = Authenticate(request.credentials);
  if (!caller.ok()) return done(caller.status());
  if (request.impersonated_identity.has_value()) {
    return done(Refuse(
        Refusal::kImpersonation,
        absl::StrCat(
            caller->id.str(), " asked to impersonate \"", *request.impersonated_identity,
            "\" (metadata ImpersonatedIdentity): svidd trusts no node accounts and issues only to "
            "the authenticated caller's own identity")));
  }
  SignAndRecord(*caller, metrics::IssuanceApi::kIstio,
                SigningRequest{std::move(request.csr_pem), request.requested_ttl, std::string()},
                started, std::move(done));
}

IssuancePipeline::~IssuancePipeline() = default;

void IssuancePipeline::SetRateLimits(IssuanceRateLimits limits) {
  rate_limiter_ = std::make_unique<IssuanceRateLimiter>(limits);
}

// Credentials `svidctl admin issue` made are bounded by their --ttl: renewing them here would
// make that bound meaningless, so they renew only through svidctl.
absl::Status IssuancePipeline::RefuseOperatorCredential(const auth::CallerIdentity& caller) const {
  if (caller.method != auth::AuthMethod::kClientCertificate) return absl::OkStatus();
  std::string serial = caller.principal;
  if (serial.starts_with("x509:")) serial.erase(0, 5);
  absl::StatusOr<ledger::CertificateRecord> record = ledger_.GetCertificate(serial);
  if (absl::IsNotFound(record.status())) return absl::OkStatus();
  if (!record.ok()) {
    return Refuse(Refusal::kLedger, absl::StrCat("cannot look up the client certificate: ",
                                                 record.status().message()));
  }
  if (record->auth_method != ledger::kOperatorAuthMethod) return absl::OkStatus();
  return Refuse(
      Refusal::kOperatorCredential,
      absl::StrCat(
          "client certificate ", serial,
          " is an operator credential (svidctl admin issue); it is "
          "not renewed through workload issuance: issue a new one with svidctl admin issue"));
}

void IssuancePipeline::Halt(std::string reason) {
  MutexLock lock(&halt_mu_);
  if (!halted_because_.has_value()) halted_because_ = std::move(reason);
}

bool IssuancePipeline::halted() const {
  MutexLock lock(&halt_mu_);
  return halted_because_.has_value();
}

void IssuancePipeline::IssueFor(const auth::CallerIdentity& caller, metrics::IssuanceApi api,
                                SigningRequest request, Done done) const {
  SignAndRecord(caller, api, std::move(request), std::chrono::steady_clock::now(), std::move(done));
}

struct IssuancePipeline::PendingLeaf {
  std::shared_ptr<const pki::Authority> authority;
  pki::LeafProfile profile;
  crypto::PublicKeyInfo public_key;
  IssuanceContext context;
  metrics::IssuanceApi api;
  std::chrono::steady_clock::time_point started;
  Done done;
  int attempt = 0;
};

void IssuancePipeline::SignAndRecord(const auth::CallerIdentity& caller, metrics::IssuanceApi api,
                                     SigningRequest request,
                                     std::chrono::steady_clock::time_point started,
                                     Done done) const {
  {
    MutexLock lock(&halt_mu_);
    if (halted_because_.has_value()) return done(Refuse(Refusal::kHalted, *halted_because_));
  }
  const TimePoint now = clock_.Now();
  auto authority = UsableAuthority(authorities_, now);
  if (!authority.ok()) return done(authority.status());

  auto csr = ValidateCsr(request.csr_pem, csr_limits_);
  if (!csr.ok()) return done(csr.status());

  if (auto allowed = AuthorizeIdentity(caller, csr->requested_id); !allowed.ok()) {
    return done(allowed);
  }
  if (auto operator_credential = RefuseOperatorCredential(caller); !operator_credential.ok()) {
    return done(operator_credential);
  }
  if (rate_limiter_ != nullptr) {
    if (auto admitted = rate_limiter_->Admit(caller.id.str(), now); !admitted.ok()) {
      return done(admitted);
    }
  }

  auto profile = BuildLeafProfile(csr->requested_id, request.requested_ttl, ttl_policy_, now,
                                  (*authority)->not_after());
  // The profile builder's own code: a TTL policy that yields no lifetime is INVALID_ARGUMENT,
  // a CA that expired meanwhile FAILED_PRECONDITION, a failed random draw INTERNAL.
  if (!profile.ok()) return done(WithRefusal(profile.status(), Refusal::kProfile));

  IssuanceContext context{ledger::CertKind::kWorkload,
                          caller.id.str(),
                          AuthMethodName(caller.method),
                          caller.principal,
                          now,
                          std::move(request.supersedes_serial_hex)};
  SignWithFreshSerialAndRecord(std::make_shared<PendingLeaf>(
      PendingLeaf{*std::move(authority), *std::move(profile), std::move(csr->public_key),
                  std::move(context), api, started, std::move(done)}));
}

void IssuancePipeline::SignWithFreshSerialAndRecord(std::shared_ptr<PendingLeaf> pending) const {
  ++pending->attempt;
  absl::StatusOr<std::string> serial = serial_source_();
  if (!serial.ok()) return pending->done(WithRefusal(serial.status(), Refusal::kProfile));
  pending->profile.serial = *std::move(serial);
  auto leaf =
      SignLeaf(*pending->authority, pending->profile, &pending->public_key, pending->context);
  if (!leaf.ok()) return pending->done(WithRefusal(leaf.status(), Refusal::kSigning));

  IssuedChain chain;
  chain.serial_hex = leaf->certificate.serial_hex;
  chain.spiffe_id = pending->context.spiffe_id;
  chain.not_before = leaf->certificate.not_before;
  chain.not_after = leaf->certificate.not_after;
  chain.issuer_serial_hex = pending->authority->signer_serial_hex();
  chain.cert_chain = std::move(leaf->chain_pem);
  chain.cert_chain.push_back(std::move(leaf->root_bundle_pem));

  ledger_.RecordIssuanceAsync(
      std::move(leaf->record), [this, pending, chain = std::move(chain)](absl::Status s) mutable {
        if (absl::IsAlreadyExists(s) && pending->attempt < kSerialAttempts) {
          // The ledger's unique serial refused it: nothing was recorded or handed out.
          spdlog::warn(
              "serial {} for {} is already in the ledger; signing again with a fresh "
              "serial (attempt {} of {})",
              chain.serial_hex, chain.spiffe_id, pending->attempt + 1, kSerialAttempts);
          return SignWithFreshSerialAndRecord(std::move(pending));
        }
        if (!s.ok()) {
          metrics_.RecordLedgerWriteError();
          spdlog::error("withholding certificate {} for {}: ledger write failed: {}",
                        chain.serial_hex, chain.spiffe_id, s.ToString());
          return pending->done(WithheldBecause(s));
        }
        metrics_.RecordIssued(ledger::CertKind::kWorkload, pending->api);
        metrics_.ObserveIssuance(std::chrono::steady_clock::now() - pending->started);
        spdlog::info("issued {} to {}", chain.serial_hex, chain.spiffe_id);
        pending->done(std::move(chain));
      });
}

}  // namespace svidd::issuance
