#include "x509_api_leaf.h"

#include <openssl/x509v3.h>

#include "pki/cert_builder.h"
#include "svidd/common/status_macros.h"

namespace svidd::testing {
namespace {

using namespace svidd::pki::internal;  // NOLINT: the builder's vocabulary

bool IsRsa(const EVP_PKEY* key) {
  const int id = EVP_PKEY_get_base_id(key);
  return id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS;
}

absl::Status AddLeafExtensions(X509* cert, const pki::LeafProfile& profile, bool rsa_key,
                               const X509* signer, const std::string& crl_url) {
  SVIDD_RETURN_IF_ERROR(AddSubjectAltName(cert, {profile.id.str()}, profile.dns_names, true));
  SVIDD_RETURN_IF_ERROR(AddConfExtension(cert, NID_basic_constraints, "critical,CA:FALSE"));
  SVIDD_RETURN_IF_ERROR(AddConfExtension(
      cert, NID_key_usage,
      rsa_key ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature"));
  SVIDD_RETURN_IF_ERROR(AddConfExtension(cert, NID_ext_key_usage, "serverAuth,clientAuth"));
  SVIDD_RETURN_IF_ERROR(AddSubjectKeyId(cert));
  SVIDD_RETURN_IF_ERROR(AddAuthorityKeyId(cert, signer));
  if (crl_url.empty()) return absl::OkStatus();
  SVIDD_ASSIGN_OR_RETURN(crypto::CrlDistPointsPtr points, MakeCrlDistributionPoints(crl_url));
  if (X509_add1_ext_i2d(cert, NID_crl_distribution_points, points.get(), 0, X509V3_ADD_DEFAULT) !=
      1) {
    return absl::InternalError("cRLDistributionPoints");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<crypto::X509Ptr> BuildLeafWithX509Api(const pki::LeafProfile& profile,
                                                     const EVP_PKEY* subject_key,
                                                     const X509* signer,
                                                     const EVP_PKEY* signing_key,
                                                     const std::string& crl_url) {
  SVIDD_ASSIGN_OR_RETURN(crypto::X509Ptr cert, NewCertificate());
  SVIDD_RETURN_IF_ERROR(SetSerial(cert.get(), profile.serial));
  SVIDD_RETURN_IF_ERROR(SetValidity(cert.get(), profile.not_before, profile.not_after));
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) != 1) {
    return absl::InternalError("issuer name");
  }
  SVIDD_RETURN_IF_ERROR(SetPublicKey(cert.get(), subject_key));
  SVIDD_RETURN_IF_ERROR(
      AddLeafExtensions(cert.get(), profile, IsRsa(subject_key), signer, crl_url));
  SVIDD_RETURN_IF_ERROR(SignCertificate(cert.get(), const_cast<EVP_PKEY*>(signing_key)));
  return cert;
}

std::string TbsDer(const X509* cert) {
  unsigned char* out = nullptr;
  const int len = i2d_re_X509_tbs(const_cast<X509*>(cert), &out);
  if (len <= 0) return "";
  std::string der(reinterpret_cast<const char*>(out), static_cast<size_t>(len));
  OPENSSL_free(out);
  return der;
}

}  // namespace svidd::testing
