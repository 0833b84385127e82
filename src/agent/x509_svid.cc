#include "svidd/agent/x509_svid.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "svidd/common/lifetime.h"
#include "svidd/common/status_macros.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"

namespace svidd::agent {

absl::StatusOr<std::shared_ptr<const X509Svid>> X509Svid::Create(
    std::vector<crypto::X509Ptr> chain, crypto::EvpPkeyPtr key,
    std::optional<TimePoint> issued_at) {
  if (chain.empty() || chain.front() == nullptr || key == nullptr) {
    return absl::InvalidArgumentError("an SVID needs a certificate and its key");
  }
  if (!crypto::KeyMatchesCertificate(key.get(), chain.front().get())) {
    return absl::InvalidArgumentError("the private key does not match the certificate");
  }
  std::vector<std::string> uris = crypto::UriSans(chain.front().get());
  if (uris.size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("the certificate has ", uris.size(), " URI SANs, an SVID has exactly one"));
  }
  SVIDD_ASSIGN_OR_RETURN(spiffe::SpiffeId id, spiffe::SpiffeId::Parse(uris.front()));
  std::shared_ptr<X509Svid> svid(new X509Svid(std::move(id), std::move(chain), std::move(key)));
  SVIDD_RETURN_IF_ERROR(svid->Encode());
  svid->lifetime_start_ = Lifetime::Of(svid->not_before_, svid->not_after_, issued_at).start();
  return std::shared_ptr<const X509Svid>(std::move(svid));
}

absl::Status X509Svid::Encode() {
  serial_ = crypto::SerialHex(leaf());
  not_before_ = crypto::NotBefore(leaf());
  not_after_ = crypto::NotAfter(leaf());
  for (const crypto::X509Ptr& cert : chain_) {
    SVIDD_ASSIGN_OR_RETURN(std::string pem, crypto::CertificateToPem(cert.get()));
    SVIDD_ASSIGN_OR_RETURN(std::string der, crypto::CertificateToDer(cert.get()));
    chain_pem_ += pem;
    chain_der_ += der;
  }
  SVIDD_ASSIGN_OR_RETURN(key_pem_, crypto::PrivateKeyToPkcs8Pem(key_.get()));
  SVIDD_ASSIGN_OR_RETURN(key_der_, crypto::PrivateKeyToPkcs8Der(key_.get()));
  return absl::OkStatus();
}

}  // namespace svidd::agent
