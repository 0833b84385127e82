#include "svidd/agent/x509_bundle.h"

#include "svidd/common/status_macros.h"
#include "svidd/crypto/pem.h"

namespace svidd::agent {

absl::StatusOr<std::shared_ptr<const X509Bundle>> X509Bundle::Create(
    std::string trust_domain, uint64_t sequence, std::string_view roots_pem,
    std::vector<std::string> crls) {
  std::shared_ptr<X509Bundle> bundle(new X509Bundle());
  SVIDD_ASSIGN_OR_RETURN(bundle->roots_, crypto::ParseCertificatesPem(roots_pem));
  for (const crypto::X509Ptr& root : bundle->roots_) {
    SVIDD_ASSIGN_OR_RETURN(std::string pem, crypto::CertificateToPem(root.get()));
    SVIDD_ASSIGN_OR_RETURN(std::string der, crypto::CertificateToDer(root.get()));
    bundle->roots_pem_ += pem;
    bundle->roots_der_ += der;
  }
  bundle->trust_domain_ = std::move(trust_domain);
  bundle->sequence_ = sequence;
  bundle->crls_ = std::move(crls);
  return std::shared_ptr<const X509Bundle>(std::move(bundle));
}

bool X509Bundle::SameContent(const X509Bundle& other) const {
  return trust_domain_ == other.trust_domain_ && roots_der_ == other.roots_der_ &&
         crls_ == other.crls_;
}

}  // namespace svidd::agent
