#include "support/pki/test_cert_builder.h"

#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "svidd/common/status_macros.h"

namespace svidd::testing {
namespace {

absl::Status CertBuildFailure(const char* what) {
  return crypto::OpenSslError(absl::StatusCode::kInternal, what);
}

absl::Status AddExt(X509* cert, X509* issuer, int nid, const std::string& value) {
  if (value.empty()) return absl::OkStatus();
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  crypto::X509ExtensionPtr ext(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value.c_str()));
  if (ext == nullptr || X509_add_ext(cert, ext.get(), -1) != 1)
    return CertBuildFailure(OBJ_nid2sn(nid));
  return absl::OkStatus();
}

absl::Status SetBasics(X509* cert, const TestCertOptions& o, EVP_PKEY* key) {
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof(serial)) != 1) return CertBuildFailure("serial");
  serial[0] = (serial[0] & 0x7f) | 0x01;
  crypto::BignumPtr bn(BN_bin2bn(serial, sizeof(serial), nullptr));
  if (bn == nullptr || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr ||
      X509_set_version(cert, X509_VERSION_3) != 1 || X509_set_pubkey(cert, key) != 1 ||
      ASN1_TIME_set(X509_getm_notBefore(cert),
                    std::chrono::system_clock::to_time_t(o.not_before)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert), std::chrono::system_clock::to_time_t(o.not_after)) ==
          nullptr) {
    return CertBuildFailure("certificate basics");
  }
  if (!o.common_name.empty() &&
      X509_NAME_add_entry_by_NID(X509_get_subject_name(cert), NID_commonName, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(o.common_name.c_str()), -1,
                                 -1, 0) != 1) {
    return CertBuildFailure("subject");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TestCert> MakeTestCert(const TestCertOptions& options, const TestCert* issuer) {
  TestCert out;
  SVIDD_ASSIGN_OR_RETURN(out.key, GenerateKey(options.key_type));
  out.cert.reset(X509_new());
  X509* cert = out.cert.get();
  if (cert == nullptr) return CertBuildFailure("X509_new");
  SVIDD_RETURN_IF_ERROR(SetBasics(cert, options, out.key.get()));
  X509* issuer_cert = issuer != nullptr ? issuer->cert.get() : cert;
  EVP_PKEY* issuer_key = issuer != nullptr ? issuer->key.get() : out.key.get();
  if (X509_set_issuer_name(cert, X509_get_subject_name(issuer_cert)) != 1)
    return CertBuildFailure("issuer");
  SVIDD_RETURN_IF_ERROR(
      AddExt(cert, issuer_cert, NID_basic_constraints, options.basic_constraints));
  SVIDD_RETURN_IF_ERROR(AddExt(cert, issuer_cert, NID_key_usage, options.key_usage));
  SVIDD_RETURN_IF_ERROR(AddExt(cert, issuer_cert, NID_ext_key_usage, options.ext_key_usage));
  SVIDD_RETURN_IF_ERROR(AddExt(cert, issuer_cert, NID_subject_alt_name, options.subject_alt_name));
  SVIDD_RETURN_IF_ERROR(AddExt(cert, issuer_cert, NID_subject_key_identifier, "hash"));
  SVIDD_RETURN_IF_ERROR(AddExt(cert, issuer_cert, NID_authority_key_identifier, "keyid:always"));
  const int id = EVP_PKEY_get_base_id(issuer_key);
  const EVP_MD* md = (id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448) ? nullptr : EVP_sha256();
  if (X509_sign(cert, issuer_key, md) <= 0) return CertBuildFailure("sign");
  return out;
}

TestCertOptions CaOptions(const std::string& common_name, TimePoint now, std::chrono::seconds ttl) {
  TestCertOptions options;
  options.common_name = common_name;
  options.not_before = now - std::chrono::hours(1);
  options.not_after = now + ttl;
  return options;
}

}  // namespace svidd::testing
