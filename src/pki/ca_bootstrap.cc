// BootstrapCa: a new self-signed root and one intermediate under it.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "pki/cert_builder.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/pki/ca_material.h"
#include "svidd/pki/leaf_profile.h"
#include "svidd/pki/root_ca.h"
#include "svidd/spiffe/spiffe_id.h"

namespace svidd::pki {
namespace {

constexpr std::chrono::minutes kBackdate(2);
constexpr char kRootName[] = "svidd root CA";
constexpr char kIntermediateName[] = "svidd intermediate CA";

struct CaCertSpec {
  std::string trust_domain_id;  // spiffe://<td>
  const X509_NAME* subject = nullptr;
  const EVP_PKEY* subject_key = nullptr;
  X509* issuer = nullptr;  // nullptr: self-signed
  EVP_PKEY* issuer_key = nullptr;
  TimePoint not_before;
  TimePoint not_after;
  const char* basic_constraints = nullptr;
};

absl::Status AddCaExtensions(X509* cert, const CaCertSpec& spec) {
  using internal::AddConfExtension;
  SVIDD_RETURN_IF_ERROR(AddConfExtension(cert, NID_basic_constraints, spec.basic_constraints));
  SVIDD_RETURN_IF_ERROR(AddConfExtension(cert, NID_key_usage, "critical,keyCertSign,cRLSign"));
  SVIDD_RETURN_IF_ERROR(internal::AddSubjectKeyId(cert));
  SVIDD_RETURN_IF_ERROR(
      internal::AddAuthorityKeyId(cert, spec.issuer != nullptr ? spec.issuer : cert));
  // The subject is not empty, so the SAN need not be critical.
  return internal::AddSubjectAltName(cert, {spec.trust_domain_id}, {}, false);
}

absl::StatusOr<crypto::X509Ptr> MakeCaCertificate(const CaCertSpec& spec) {
  SVIDD_ASSIGN_OR_RETURN(crypto::X509Ptr cert, internal::NewCertificate());
  SVIDD_ASSIGN_OR_RETURN(std::string serial, RandomSerial());
  SVIDD_RETURN_IF_ERROR(internal::SetSerial(cert.get(), serial));
  SVIDD_RETURN_IF_ERROR(internal::SetValidity(cert.get(), spec.not_before, spec.not_after));
  const X509_NAME* issuer_name =
      spec.issuer != nullptr ? X509_get_subject_name(spec.issuer) : spec.subject;
  if (X509_set_subject_name(cert.get(), spec.subject) != 1 ||
      X509_set_issuer_name(cert.get(), issuer_name) != 1) {
    return crypto::OpenSslError(absl::StatusCode::kInternal, "CA certificate names");
  }
  SVIDD_RETURN_IF_ERROR(internal::SetPublicKey(cert.get(), spec.subject_key));
  SVIDD_RETURN_IF_ERROR(AddCaExtensions(cert.get(), spec));
  SVIDD_RETURN_IF_ERROR(internal::SignCertificate(cert.get(), spec.issuer_key));
  return cert;
}

absl::Status CheckOptions(const CaBootstrapOptions& options) {
  if (options.root_ttl.count() <= 0 || options.intermediate_ttl.count() <= 0) {
    return absl::InvalidArgumentError("CA lifetimes must be positive");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RootCa> MakeRootCa(const CaBootstrapOptions& options, TimePoint now) {
  SVIDD_RETURN_IF_ERROR(CheckOptions(options));
  SVIDD_ASSIGN_OR_RETURN(spiffe::SpiffeId td_id,
                         spiffe::SpiffeId::ForTrustDomain(options.trust_domain));
  RootCa root;
  SVIDD_ASSIGN_OR_RETURN(root.key, GenerateKey(options.key_type));
  SVIDD_ASSIGN_OR_RETURN(crypto::X509NamePtr name,
                         internal::MakeName(options.trust_domain, kRootName));
  CaCertSpec spec{td_id.str(),
                  name.get(),
                  root.key.get(),
                  nullptr,
                  root.key.get(),
                  WholeSeconds(now - kBackdate),
                  WholeSeconds(now + options.root_ttl),
                  "critical,CA:TRUE"};
  SVIDD_ASSIGN_OR_RETURN(root.cert, MakeCaCertificate(spec));
  return root;
}

absl::StatusOr<CaMaterial> IssueIntermediate(const RootCa& root, const IntermediateSpec& options,
                                             const std::vector<const X509*>& bundle,
                                             TimePoint now) {
  if (options.ttl.count() <= 0) return absl::InvalidArgumentError("CA lifetimes must be positive");
  if (options.common_name.empty()) {
    return absl::InvalidArgumentError("an intermediate needs a name");
  }
  SVIDD_ASSIGN_OR_RETURN(spiffe::SpiffeId td_id,
                         spiffe::SpiffeId::ForTrustDomain(options.trust_domain));
  SVIDD_ASSIGN_OR_RETURN(crypto::EvpPkeyPtr key, GenerateKey(options.key_type));
  SVIDD_ASSIGN_OR_RETURN(crypto::X509NamePtr name,
                         internal::MakeName(options.trust_domain, options.common_name));
  CaCertSpec spec{td_id.str(),
                  name.get(),
                  key.get(),
                  root.cert.get(),
                  root.key.get(),
                  WholeSeconds(now - kBackdate),
                  std::min(crypto::NotAfter(root.cert.get()), WholeSeconds(now + options.ttl)),
                  "critical,CA:TRUE,pathlen:0"};
  SVIDD_ASSIGN_OR_RETURN(crypto::X509Ptr cert, MakeCaCertificate(spec));
  CaMaterial ca;
  ca.signing_cert = std::move(cert);
  ca.signing_key = std::move(key);
  for (const X509* r : bundle) ca.roots.push_back(crypto::ShareCertificate(r));
  // Self-test: what we just made must pass the same checks as an operator's CA.
  SVIDD_RETURN_IF_ERROR(ValidateCaMaterial(ca, now));
  return ca;
}

absl::StatusOr<CaMaterial> BootstrapCa(const CaBootstrapOptions& options, TimePoint now) {
  SVIDD_ASSIGN_OR_RETURN(RootCa root, MakeRootCa(options, now));
  IntermediateSpec spec{options.trust_domain, options.key_type, options.intermediate_ttl,
                        kIntermediateName};
  return IssueIntermediate(root, spec, {root.cert.get()}, now);
}

}  // namespace svidd::pki
