#include "svidd/operator/ca_snapshot.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/spiffe/spiffe_id.h"

namespace svidd::ops {
namespace {

CaCertificateInfo Describe(const X509* cert, CaRole role) {
  CaCertificateInfo info;
  info.role = role;
  info.subject = crypto::SubjectString(cert);
  info.serial_hex = crypto::SerialHex(cert);
  info.not_before = crypto::NotBefore(cert);
  info.not_after = crypto::NotAfter(cert);
  EVP_PKEY* key = X509_get0_pubkey(cert);
  absl::StatusOr<crypto::KeyDescription> description =
      key == nullptr ? absl::InvalidArgumentError("no key") : crypto::DescribeKey(key);
  if (description.ok()) {
    info.key_type = description->Label();
  } else {
    crypto::ClearOpenSslErrors();
    info.key_type = "unknown";
  }
  return info;
}

std::string TrustDomainOf(const X509* signer) {
  for (const std::string& uri : crypto::UriSans(signer)) {
    absl::StatusOr<spiffe::SpiffeId> id = spiffe::SpiffeId::Parse(uri);
    if (id.ok()) return id->trust_domain();
  }
  return "";
}

std::vector<const X509*> Borrow(const std::vector<crypto::X509Ptr>& certs) {
  std::vector<const X509*> out;
  for (const crypto::X509Ptr& c : certs) out.push_back(c.get());
  return out;
}

// The snapshot of a signer, the certificates between it and the roots, and the roots.
absl::StatusOr<CaSnapshot> Snapshot(const X509* signer, const std::vector<const X509*>& between,
                                    const std::vector<const X509*>& roots) {
  CaSnapshot snapshot;
  snapshot.trust_domain = TrustDomainOf(signer);
  snapshot.certificates.push_back(Describe(signer, CaRole::kSigner));
  for (const X509* cert : between) {
    snapshot.certificates.push_back(Describe(cert, CaRole::kIntermediate));
  }
  for (const X509* root : roots) snapshot.certificates.push_back(Describe(root, CaRole::kRoot));
  SVIDD_ASSIGN_OR_RETURN(snapshot.roots_pem, crypto::CertificatesToPem(roots));
  return snapshot;
}

}  // namespace

const char* CaRoleName(CaRole role) {
  switch (role) {
    case CaRole::kSigner:
      return "signer";
    case CaRole::kIntermediate:
      return "intermediate";
    case CaRole::kRoot:
      return "root";
  }
  return "unknown";
}

absl::StatusOr<CaSnapshot> CaSnapshotFromAuthority(const pki::Authority& authority) {
  return Snapshot(authority.signing_cert(), Borrow(authority.intermediates()),
                  Borrow(authority.roots()));
}

absl::StatusOr<CaSnapshot> ReadCaSnapshot(const std::filesystem::path& dir) {
  absl::StatusOr<pki::CaMaterial> ca = pki::ReadIstioCaCertificates(dir);
  if (absl::IsNotFound(ca.status())) {
    return absl::NotFoundError(absl::StrCat("no CA in ", dir.string(), " (no ca-cert.pem)"));
  }
  if (!ca.ok()) return ca.status();
  return Snapshot(ca->signing_cert.get(), Borrow(ca->intermediates), Borrow(ca->roots));
}

TrustBundleRoots TrustBundleOf(const CaSnapshot& ca) {
  TrustBundleRoots bundle;
  bundle.trust_domain = ca.trust_domain;
  bundle.roots_pem = ca.roots_pem;
  for (const CaCertificateInfo& cert : ca.certificates) {
    if (cert.role != CaRole::kRoot) continue;
    bundle.sequence =
        std::max<uint64_t>(bundle.sequence, static_cast<uint64_t>(ToUnixSeconds(cert.not_before)));
  }
  return bundle;
}

}  // namespace svidd::ops
