#include "svidd/publish/trust_bundle_publisher.h"

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"
#include "svidd/api/trust_bundle_state.h"
#include "svidd/common/atomic_file.h"
#include "svidd/common/status_macros.h"
#include "svidd/crypto/digest.h"

namespace svidd::publish {
namespace {

// What the sequence numbers: roots and CRLs, length-prefixed so no two bundles collide.
absl::StatusOr<std::string> BundleDigest(const TrustBundleSnapshot& bundle) {
  std::string material = absl::StrCat(bundle.roots_pem.size(), ":", bundle.roots_pem);
  for (const std::string& crl : bundle.crls_der) absl::StrAppend(&material, crl.size(), ":", crl);
  return crypto::Sha256Hex(material);
}

}  // namespace

absl::StatusOr<std::unique_ptr<TrustBundlePublisher>> TrustBundlePublisher::Create(
    std::string trust_domain, std::filesystem::path state_file) {
  SVIDD_ASSIGN_OR_RETURN(api::TrustBundleState state, api::ReadTrustBundleState(state_file));
  return std::unique_ptr<TrustBundlePublisher>(new TrustBundlePublisher(
      std::move(trust_domain), std::move(state_file), state.sequence, std::move(state.digest)));
}

TrustBundlePublisher::TrustBundlePublisher(std::string trust_domain,
                                           std::filesystem::path state_file, uint64_t sequence,
                                           std::string digest)
    : state_file_(std::move(state_file)), stored_digest_(std::move(digest)) {
  auto initial = std::make_shared<TrustBundleSnapshot>();
  initial->trust_domain = std::move(trust_domain);
  initial->sequence = sequence;
  current_ = std::move(initial);
}

absl::Status TrustBundlePublisher::Update(std::optional<std::string> roots_pem,
                                          std::optional<std::vector<std::string>> crls_der) {
  MutexLock notify_lock(&notify_mu_);
  std::shared_ptr<const TrustBundleSnapshot> published;
  Listener listener;
  {
    MutexLock lock(&mu_);
    auto next = std::make_shared<TrustBundleSnapshot>(*current_);
    if (roots_pem.has_value()) next->roots_pem = std::move(*roots_pem);
    if (crls_der.has_value()) next->crls_der = std::move(*crls_der);
    SVIDD_ASSIGN_OR_RETURN(std::string digest, BundleDigest(*next));
    if (digest == stored_digest_) {
      // Same content as numbered (e.g. the first update after a restart): same sequence.
      if (next->roots_pem == current_->roots_pem && next->crls_der == current_->crls_der) {
        return absl::OkStatus();
      }
    } else {
      next->sequence = current_->sequence + 1;
      SVIDD_RETURN_IF_ERROR(api::WriteTrustBundleState(state_file_, {next->sequence, digest}));
      stored_digest_ = digest;
      spdlog::info("trust bundle for {} is now sequence {}", next->trust_domain, next->sequence);
    }
    current_ = std::move(next);
    published = current_;
    listener = listener_;
  }
  if (listener) listener(std::move(published));
  return absl::OkStatus();
}

std::shared_ptr<const TrustBundleSnapshot> TrustBundlePublisher::Current() const {
  MutexLock lock(&mu_);
  return current_;
}

void TrustBundlePublisher::SetListener(Listener listener) {
  MutexLock lock(&mu_);
  listener_ = std::move(listener);
}

}  // namespace svidd::publish
