#include "crypto/test_certificate.h"

#include <openssl/x509v3.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "svidd/common/status_macros.h"

namespace svidd::testing {
namespace {

absl::Status Fail(const char* what) {
  return crypto::OpenSslError(absl::StatusCode::kInternal, what);
}

absl::Status SetSerial(X509* cert, const std::string& der_hex) {
  std::string bytes = absl::HexStringToBytes(der_hex);
  crypto::Asn1IntegerPtr serial(ASN1_INTEGER_new());
  if (serial == nullptr) return Fail("ASN1_INTEGER_new");
  // Decode the two's-complement content octets via a DER INTEGER.
  std::string der =
      absl::StrCat(std::string(1, '\x02'), std::string(1, static_cast<char>(bytes.size())), bytes);
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ASN1_INTEGER* raw = serial.get();
  if (d2i_ASN1_INTEGER(&raw, &p, static_cast<long>(der.size())) == nullptr)
    return Fail("d2i_ASN1_INTEGER");
  if (X509_set_serialNumber(cert, serial.get()) != 1) return Fail("X509_set_serialNumber");
  return absl::OkStatus();
}

absl::Status SetTime(X509* cert, const std::string& nb, const std::string& na) {
  crypto::Asn1TimePtr before(ASN1_TIME_new()), after(ASN1_TIME_new());
  if (!before || !after || ASN1_TIME_set_string(before.get(), nb.c_str()) != 1 ||
      ASN1_TIME_set_string(after.get(), na.c_str()) != 1) {
    return Fail("ASN1_TIME_set_string");
  }
  if (X509_set1_notBefore(cert, before.get()) != 1 || X509_set1_notAfter(cert, after.get()) != 1) {
    return Fail("X509_set1_notBefore/After");
  }
  return absl::OkStatus();
}

absl::Status AddExt(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  crypto::X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (ext == nullptr || X509_add_ext(cert, ext.get(), -1) != 1) return Fail("X509_add_ext");
  return absl::OkStatus();
}

absl::Status AddExtensions(X509* cert, const CertSpec& spec) {
  std::vector<std::string> sans;
  for (const auto& u : spec.uris) sans.push_back("URI:" + u);
  for (const auto& d : spec.dns) sans.push_back("DNS:" + d);
  if (!sans.empty())
    SVIDD_RETURN_IF_ERROR(AddExt(cert, NID_subject_alt_name, absl::StrJoin(sans, ",")));
  SVIDD_RETURN_IF_ERROR(
      AddExt(cert, NID_basic_constraints, spec.ca ? "critical,CA:TRUE" : "critical,CA:FALSE"));
  if (spec.subject_key_id) SVIDD_RETURN_IF_ERROR(AddExt(cert, NID_subject_key_identifier, "hash"));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<crypto::X509Ptr> MakeCertificate(const CertSpec& spec, EVP_PKEY* key) {
  crypto::X509Ptr cert(X509_new());
  if (cert == nullptr || X509_set_version(cert.get(), X509_VERSION_3) != 1) return Fail("X509_new");
  SVIDD_RETURN_IF_ERROR(SetSerial(cert.get(), spec.serial_der_hex));
  SVIDD_RETURN_IF_ERROR(SetTime(cert.get(), spec.not_before, spec.not_after));
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(spec.common_name.c_str()),
                                 -1, -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1 || X509_set_pubkey(cert.get(), key) != 1) {
    return Fail("names/pubkey");
  }
  SVIDD_RETURN_IF_ERROR(AddExtensions(cert.get(), spec));
  EVP_PKEY* signer = spec.issuer_key != nullptr ? const_cast<EVP_PKEY*>(spec.issuer_key) : key;
  const EVP_MD* md = EVP_PKEY_get_base_id(signer) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
  if (X509_sign(cert.get(), signer, md) <= 0) return Fail("X509_sign");
  return cert;
}

}  // namespace svidd::testing
