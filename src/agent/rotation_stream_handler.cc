#include "agent/rotation_stream_handler.h"

#include <algorithm>

#include "spdlog/spdlog.h"
#include "svidd/agent/csr_maker.h"
#include "svidd/agent/svid_verifier.h"
#include "svidd/agent/x509_svid.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/pem.h"

namespace svidd::agent::internal {
namespace {

// Answered-but-unissued keys kept: enough for a few retries of one renewal.
constexpr size_t kMaxPendingKeys = 4;

// Istio's shape: leaf, each intermediate, then the root bundle as the last element. The
// roots are not part of cert-chain.pem; trust comes from the pushed bundle.
absl::StatusOr<std::vector<crypto::X509Ptr>> ChainWithoutRoots(
    const v1::CertificateIssued& issued) {
  const int size = issued.cert_chain_size();
  if (size == 0) return absl::InvalidArgumentError("CertificateIssued holds no certificate");
  const int without_roots = size == 1 ? 1 : size - 1;
  std::vector<crypto::X509Ptr> chain;
  for (int i = 0; i < without_roots; ++i) {
    SVIDD_ASSIGN_OR_RETURN(std::vector<crypto::X509Ptr> certs,
                           crypto::ParseCertificatesPem(issued.cert_chain(i)));
    for (crypto::X509Ptr& cert : certs) chain.push_back(std::move(cert));
  }
  return chain;
}

}  // namespace

std::optional<v1::RotateRequest> RotationStreamHandler::Handle(const v1::RotateResponse& message) {
  switch (message.response_case()) {
    case v1::RotateResponse::kBundle:
      OnBundle(message.bundle());
      return std::nullopt;
    case v1::RotateResponse::kRenewalRequested: {
      auto request = OnRenewalRequested(message.renewal_requested());
      if (request.ok()) return *std::move(request);
      spdlog::error("cannot answer renewal request {}: {}",
                    message.renewal_requested().renewal_id(), request.status().ToString());
      return std::nullopt;
    }
    case v1::RotateResponse::kIssued:
      last_rejection_ = OnIssued(message.issued());
      if (!last_rejection_.ok()) {
        spdlog::error("not installing the certificate svidd issued (serial {}): {}",
                      message.issued().serial(), last_rejection_.ToString());
      }
      return std::nullopt;
    case v1::RotateResponse::kRefused:
      OnRefused(message.refused());
      return std::nullopt;
    case v1::RotateResponse::RESPONSE_NOT_SET:
      break;
  }
  spdlog::warn("ignoring a rotation message of a kind this agent does not know");
  return std::nullopt;
}

void RotationStreamHandler::OnBundle(const v1::TrustBundle& pushed) {
  const std::string& td =
      pushed.trust_domain().empty() ? config_.trust_domain : pushed.trust_domain();
  std::vector<std::string> crls(pushed.crls().begin(), pushed.crls().end());
  auto bundle = X509Bundle::Create(td, pushed.sequence(), pushed.root_certs_pem(), std::move(crls));
  if (!bundle.ok()) {
    spdlog::error("ignoring trust bundle {} from svidd: {}", pushed.sequence(),
                  bundle.status().ToString());
    return;
  }
  received_bundle_ = true;
  if (store_.SetBundle(*bundle)) {
    spdlog::info("trust bundle {} of {}: {} root(s), {} CRL(s)", pushed.sequence(), td,
                 (*bundle)->roots().size(), (*bundle)->crls().size());
  }
}

absl::StatusOr<v1::RotateRequest> RotationStreamHandler::OnRenewalRequested(
    const v1::RenewalRequested& request) {
  SVIDD_ASSIGN_OR_RETURN(crypto::EvpPkeyPtr key, GenerateKey(config_.key_type));
  SVIDD_ASSIGN_OR_RETURN(std::string csr, MakeIstioCsr(config_.id, key.get()));
  pending_keys_.push_back(std::move(key));
  if (pending_keys_.size() > kMaxPendingKeys) pending_keys_.pop_front();
  v1::RotateRequest reply;
  reply.mutable_csr()->set_csr(std::move(csr));
  reply.mutable_csr()->set_validity_seconds(config_.ttl.count());
  reply.mutable_csr()->set_renewal_id(request.renewal_id());
  spdlog::info("renewal {} requested ({}): sent a CSR for a fresh {} key", request.renewal_id(),
               v1::RenewalRequested::Reason_Name(request.reason()), KeyTypeName(config_.key_type));
  return reply;
}

absl::Status RotationStreamHandler::OnIssued(const v1::CertificateIssued& issued) {
  SVIDD_ASSIGN_OR_RETURN(std::vector<crypto::X509Ptr> chain, ChainWithoutRoots(issued));
  auto pending = FindKeyFor(chain.front().get());
  if (pending == pending_keys_.end()) {
    return absl::FailedPreconditionError("it does not certify a key this agent asked for");
  }
  if (EVP_PKEY_up_ref(pending->get()) != 1) {
    return crypto::OpenSslError(absl::StatusCode::kInternal, "EVP_PKEY_up_ref");
  }
  SVIDD_ASSIGN_OR_RETURN(
      auto svid,
      X509Svid::Create(std::move(chain), crypto::EvpPkeyPtr(pending->get()), clock_.Now()));
  AgentState state = store_.Current();
  if (state.bundle == nullptr) return absl::FailedPreconditionError("no trust bundle yet");
  SVIDD_RETURN_IF_ERROR(VerifySvid(*svid, state.bundle->roots(), config_.id, clock_.Now()));
  pending_keys_.erase(pending);  // only a certificate that is installed uses its key up
  store_.SetSvid(svid);
  ++certificates_installed_;
  spdlog::info("installed SVID {} serial {}, valid until {}{}", svid->id().str(), svid->serial(),
               FormatRfc3339(svid->not_after()),
               issued.renew_at() > 0 ? "; svidd plans to renew it at " +
                                           FormatRfc3339(FromUnixSeconds(issued.renew_at()))
                                     : "");
  return absl::OkStatus();
}

void RotationStreamHandler::OnRefused(const v1::RequestRefused& refused) {
  spdlog::error("svidd refused renewal {}: code {}: {}", refused.renewal_id(), refused.code(),
                refused.message());
}

std::deque<crypto::EvpPkeyPtr>::iterator RotationStreamHandler::FindKeyFor(const X509* leaf) {
  return std::find_if(pending_keys_.begin(), pending_keys_.end(),
                      [leaf](const crypto::EvpPkeyPtr& key) {
                        return crypto::KeyMatchesCertificate(key.get(), leaf);
                      });
}

}  // namespace svidd::agent::internal
