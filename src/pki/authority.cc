#include "svidd/pki/authority.h"

#include <openssl/x509v3.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "pki/chain_verifier.h"
#include "pki/leaf_encoder.h"
#include "svidd/common/refusal.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/pki/crl_builder.h"

namespace svidd::pki {
namespace {

// What a dNSName may hold: letters, digits, '-', '.', and '*' for a wildcard label.
absl::Status CheckDnsName(const std::string& name) {
  if (name.empty() || name.size() > 253) {
    return absl::InvalidArgumentError(absl::StrCat("DNS name \"", name, "\" has a bad length"));
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '*';
    if (!ok) {
      return absl::InvalidArgumentError(
          absl::StrCat("DNS name \"", name, "\" has a bad character"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckProfile(const LeafProfile& profile, TimePoint signer_not_after) {
  if (!profile.id.has_path()) {
    return absl::InvalidArgumentError(
        absl::StrCat("leaf identity ", profile.id.str(), " has no path"));
  }
  if (profile.not_after <= profile.not_before) {
    return absl::InvalidArgumentError("leaf NotAfter is not after its NotBefore");
  }
  if (profile.not_after > signer_not_after) {
    return absl::FailedPreconditionError(
        absl::StrCat("leaf NotAfter ", FormatRfc3339(profile.not_after),
                     " is past the signer's NotAfter ", FormatRfc3339(signer_not_after)));
  }
  for (const std::string& name : profile.dns_names) SVIDD_RETURN_IF_ERROR(CheckDnsName(name));
  return absl::OkStatus();
}

// The relying-party checks of an X509-SVID beyond path validation.
absl::Status CheckClientLeaf(const X509* leaf) {
  X509* cert = const_cast<X509*>(leaf);  // OpenSSL caches parsed extensions in the object
  if (crypto::IsCaCertificate(leaf)) {
    return absl::UnauthenticatedError("client certificate is a CA certificate");
  }
  if ((X509_get_extension_flags(cert) & EXFLAG_KUSAGE) != 0 &&
      (X509_get_key_usage(cert) & (KU_KEY_CERT_SIGN | KU_CRL_SIGN)) != 0) {
    return absl::UnauthenticatedError("client certificate has keyCertSign or cRLSign");
  }
  if (crypto::UriSans(leaf).size() != 1) {
    return absl::UnauthenticatedError("client certificate must carry exactly one URI SAN");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> PemWithNewline(const X509* cert) {
  SVIDD_ASSIGN_OR_RETURN(std::string pem, crypto::CertificateToPem(cert));
  if (pem.empty() || pem.back() != '\n') pem.push_back('\n');
  return pem;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Authority>> Authority::Create(CaMaterial material,
                                                                   AuthorityOptions options) {
  if (material.signing_cert == nullptr || material.signing_key == nullptr ||
      material.roots.empty()) {
    return absl::FailedPreconditionError(
        "CA material needs a signing certificate, its key and at least one root");
  }
  // OpenSSL parses extensions lazily on first use; do it now, once, rather than inside
  // concurrent signing calls.
  if (X509_check_purpose(material.signing_cert.get(), -1, 0) != 1) {
    return crypto::OpenSslError(absl::StatusCode::kFailedPrecondition,
                                "signing certificate has malformed extensions");
  }
  if (!options.crl_url_base.empty()) {
    SVIDD_RETURN_IF_ERROR(ValidateCrlUrlBase(options.crl_url_base));
  }
  std::shared_ptr<Authority> authority(new Authority(std::move(material)));
  const CaMaterial& ca = authority->material_;
  authority->not_after_ = crypto::NotAfter(ca.signing_cert.get());
  authority->signer_serial_hex_ = crypto::SerialHex(ca.signing_cert.get());
  authority->options_ = options;
  if (!options.crl_url_base.empty()) {
    authority->crl_url_ =
        absl::StrCat(options.crl_url_base, CrlPath(authority->signer_serial_hex_));
  }
  SVIDD_ASSIGN_OR_RETURN(authority->leaf_encoder_,
                         internal::LeafEncoder::Create(ca.signing_cert.get(), ca.signing_key.get(),
                                                       authority->crl_url_));
  SVIDD_ASSIGN_OR_RETURN(std::string signer_pem, PemWithNewline(ca.signing_cert.get()));
  authority->chain_pem_.push_back(std::move(signer_pem));
  for (const crypto::X509Ptr& cert : ca.intermediates) {
    SVIDD_ASSIGN_OR_RETURN(std::string pem, PemWithNewline(cert.get()));
    authority->chain_pem_.push_back(std::move(pem));
  }
  std::vector<const X509*> roots;
  for (const crypto::X509Ptr& root : ca.roots) roots.push_back(root.get());
  SVIDD_ASSIGN_OR_RETURN(authority->root_bundle_pem_, crypto::CertificatesToPem(roots));
  return std::shared_ptr<const Authority>(std::move(authority));
}

absl::StatusOr<IssuedCertificate> Authority::SignLeaf(
    const LeafProfile& profile, const crypto::PublicKeyInfo& subject_key) const {
  SVIDD_RETURN_IF_ERROR(CheckProfile(profile, not_after_));
  SVIDD_ASSIGN_OR_RETURN(std::string tbs, leaf_encoder_->EncodeTbs(profile, subject_key));
  IssuedCertificate issued;
  SVIDD_ASSIGN_OR_RETURN(issued.der, leaf_encoder_->Sign(tbs));
  issued.pem = crypto::CertificateDerToPem(issued.der);
  // The serial's magnitude without leading zero bytes: SerialHex's spelling.
  const size_t first = profile.serial.find_first_not_of('\0');
  issued.serial_hex = absl::BytesToHexString(profile.serial.substr(first));
  // What the certificate holds: whole seconds.
  issued.not_before = WholeSeconds(profile.not_before);
  issued.not_after = WholeSeconds(profile.not_after);
  SVIDD_ASSIGN_OR_RETURN(issued.public_key_sha256, subject_key.Sha256Hex());
  issued.key_label = subject_key.key.Label();
  return issued;
}

absl::StatusOr<IssuedCertificate> Authority::SignLeaf(const LeafProfile& profile,
                                                      const EVP_PKEY* subject_key) const {
  if (subject_key == nullptr) return absl::InvalidArgumentError("no subject public key");
  SVIDD_ASSIGN_OR_RETURN(crypto::PublicKeyInfo key, crypto::PublicKeyInfoOf(subject_key));
  return SignLeaf(profile, key);
}

absl::Status Authority::VerifyClientCertificate(const X509* leaf,
                                                const std::vector<X509*>& untrusted,
                                                TimePoint at) const {
  if (leaf == nullptr) return absl::UnauthenticatedError("no client certificate");
  if (absl::Status usable = CheckClientLeaf(leaf); !usable.ok()) {
    return WithRefusal(usable, Refusal::kClientCertificate);
  }
  int verify_error = X509_V_OK;
  internal::ChainCheck check;
  check.verify_error = &verify_error;
  check.leaf = leaf;
  check.untrusted.assign(untrusted.begin(), untrusted.end());
  for (const crypto::X509Ptr& cert : material_.intermediates) check.untrusted.push_back(cert.get());
  check.untrusted.push_back(material_.signing_cert.get());
  check.roots = &material_.roots;
  check.at = at;
  check.purpose = X509_PURPOSE_SSL_CLIENT;
  absl::Status verified = internal::VerifyChain(check, absl::StatusCode::kUnauthenticated,
                                                "client certificate does not verify");
  return WithRefusal(std::move(verified), verify_error == X509_V_ERR_CERT_HAS_EXPIRED
                                              ? Refusal::kExpiredCertificate
                                              : Refusal::kClientCertificate);
}

absl::Status Authority::SelfTest(TimePoint now) const {
  // The signer's own trust domain ID if it has one (svidd's CAs do), else a reserved one.
  std::string trust_domain = "self-test.invalid";
  for (const std::string& uri : crypto::UriSans(signing_cert())) {
    if (auto id = spiffe::SpiffeId::Parse(uri); id.ok()) trust_domain = id->trust_domain();
  }
  auto fail = [this](absl::string_view why) {
    return absl::FailedPreconditionError(
        absl::StrCat("self-test of CA ", signer_serial_hex_, " failed: ", why));
  };
  auto id = spiffe::SpiffeId::Parse(absl::StrCat("spiffe://", trust_domain, "/svidd/self-test"));
  if (!id.ok()) return fail(id.status().message());
  auto key = GenerateKey(crypto::KeyType::kEcP256);
  if (!key.ok()) return fail(key.status().message());
  TtlPolicy policy{std::chrono::minutes(1), std::chrono::minutes(1), std::chrono::seconds(0)};
  auto profile = BuildLeafProfile(*id, std::chrono::seconds(0), policy, now, not_after_);
  if (!profile.ok()) return fail(profile.status().message());
  auto leaf = SignLeaf(*profile, key->get());
  if (!leaf.ok()) return fail(leaf.status().message());
  auto cert = crypto::ParseCertificateDer(leaf->der);
  if (!cert.ok()) return fail(cert.status().message());
  if (absl::Status verified = VerifyClientCertificate(cert->get(), {}, now); !verified.ok()) {
    return fail(verified.message());
  }
  return absl::OkStatus();
}

CaMaterial Authority::ShareMaterial() const {
  CaMaterial copy;
  copy.signing_cert = crypto::ShareCertificate(material_.signing_cert.get());
  EVP_PKEY* key = material_.signing_key.get();
  if (EVP_PKEY_up_ref(key) == 1) copy.signing_key.reset(key);
  for (const crypto::X509Ptr& cert : material_.intermediates) {
    copy.intermediates.push_back(crypto::ShareCertificate(cert.get()));
  }
  for (const crypto::X509Ptr& root : material_.roots)
    copy.roots.push_back(crypto::ShareCertificate(root.get()));
  return copy;
}

absl::StatusOr<std::shared_ptr<const Authority>> Authority::WithRoots(
    const std::vector<const X509*>& roots) const {
  CaMaterial material = ShareMaterial();
  material.roots.clear();
  for (const X509* root : roots) material.roots.push_back(crypto::ShareCertificate(root));
  return Create(std::move(material), options_);
}

}  // namespace svidd::pki
