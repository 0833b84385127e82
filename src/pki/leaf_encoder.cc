#include "pki/leaf_encoder.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <ctime>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "pki/cert_builder.h"
#include "pki/der.h"
#include "svidd/common/status_macros.h"
#include "svidd/crypto/signature.h"

namespace svidd::pki::internal {
namespace {

using std::string_view_literals::operator""sv;

constexpr std::string_view kVersion3 = "\xa0\x03\x02\x01\x02"sv;  // [0] EXPLICIT INTEGER 2
constexpr std::string_view kEmptyName = "\x30\x00"sv;
constexpr std::string_view kSubjectKeyId = "\x55\x1d\x0e"sv;
constexpr uint8_t kUriTag = 0x86, kDnsTag = 0x82;
// The constant extensions, as X509V3_EXT_nconf_nid encodes "critical,CA:FALSE",
// "critical,digitalSignature[,keyEncipherment]" and "serverAuth,clientAuth".
constexpr std::string_view kBasicConstraintsExtension =
    "\x30\x0c\x06\x03\x55\x1d\x13\x01\x01\xff\x04\x02\x30\x00"sv;
constexpr std::string_view kKeyUsageExtension =
    "\x30\x0e\x06\x03\x55\x1d\x0f\x01\x01\xff\x04\x04\x03\x02\x07\x80"sv;
constexpr std::string_view kKeyUsageRsaExtension =
    "\x30\x0e\x06\x03\x55\x1d\x0f\x01\x01\xff\x04\x04\x03\x02\x05\xa0"sv;
constexpr std::string_view kExtendedKeyUsageExtension =
    "\x30\x1d\x06\x03\x55\x1d\x25\x04\x16\x30\x14"
    "\x06\x08\x2b\x06\x01\x05\x05\x07\x03\x01\x06\x08\x2b\x06\x01\x05\x05\x07\x03\x02"sv;

// Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }.
void AppendExtension(std::string& out, std::string_view oid, bool critical,
                     std::string_view value) {
  std::string body = der::Wrap(der::kOid, oid);
  if (critical) body.append("\x01\x01\xff"sv);
  der::Append(body, der::kOctetString, value);
  der::Append(out, der::kSequence, body);
}

// UTCTime for 1950-2049, GeneralizedTime otherwise (RFC 5280 4.1.2.5, as ASN1_TIME_set).
absl::StatusOr<std::string> EncodeTime(TimePoint t) {
  const time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  if (gmtime_r(&seconds, &tm) == nullptr) return absl::InvalidArgumentError("time out of range");
  const int year = tm.tm_year + 1900;
  if (year < 0 || year > 9999) return absl::InvalidArgumentError("time out of range");
  if (year >= 1950 && year < 2050) {
    return der::Wrap(der::kUtcTime,
                     absl::StrFormat("%02d%02d%02d%02d%02d%02dZ", year % 100, tm.tm_mon + 1,
                                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec));
  }
  return der::Wrap(der::kGeneralizedTime,
                   absl::StrFormat("%04d%02d%02d%02d%02d%02dZ", year, tm.tm_mon + 1, tm.tm_mday,
                                   tm.tm_hour, tm.tm_min, tm.tm_sec));
}

absl::StatusOr<std::string> EncodeSerial(const std::string& serial) {
  if (serial.empty()) return absl::InvalidArgumentError("empty serial number");
  if (serial.find_first_not_of('\0') == std::string::npos) {
    return absl::InvalidArgumentError("serial number is zero");
  }
  return der::UnsignedInteger(serial);
}

// subjectKeyIdentifier: SHA-1 of the subjectPublicKey BIT STRING's bytes (RFC 5280
// 4.2.1.2, method 1), as X509_pubkey_digest computes it.
absl::StatusOr<std::string> SubjectKeyIdValue(std::string_view spki) {
  der::Reader outer(spki);
  SVIDD_ASSIGN_OR_RETURN(der::Element seq, outer.Next(der::kSequence, "subject key"));
  SVIDD_RETURN_IF_ERROR(outer.Finish("subject key"));
  der::Reader fields(seq.content);
  SVIDD_RETURN_IF_ERROR(fields.Next(der::kSequence, "subject key algorithm").status());
  SVIDD_ASSIGN_OR_RETURN(der::Element bits, fields.Next(der::kBitString, "subject key bits"));
  SVIDD_RETURN_IF_ERROR(fields.Finish("subject key"));
  if (bits.content.empty()) return absl::InvalidArgumentError("subject key: empty BIT STRING");
  static const EVP_MD* const kSha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  const std::string_view key_bytes = bits.content.substr(1);
  if (kSha1 == nullptr ||
      EVP_Digest(key_bytes.data(), key_bytes.size(), md, &len, kSha1, nullptr) != 1) {
    return crypto::OpenSslInternal("subjectKeyIdentifier");
  }
  return der::Wrap(der::kOctetString, std::string_view(reinterpret_cast<const char*>(md), len));
}

absl::StatusOr<std::string> ExtensionDer(int nid, void* value) {
  crypto::X509ExtensionPtr ext(X509V3_EXT_i2d(nid, 0, value));
  if (ext == nullptr) return crypto::OpenSslInternal(OBJ_nid2sn(nid));
  unsigned char* out = nullptr;
  const int len = i2d_X509_EXTENSION(ext.get(), &out);
  if (len <= 0) return crypto::OpenSslInternal(OBJ_nid2sn(nid));
  crypto::OpensslStringPtr owner(reinterpret_cast<char*>(out));
  return std::string(reinterpret_cast<const char*>(out), static_cast<size_t>(len));
}

// The AlgorithmIdentifier the provider signs under, as X509_sign would write it.
absl::StatusOr<std::string> SignatureAlgorithmId(EVP_MD_CTX* ctx) {
  unsigned char aid[128];
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, aid, sizeof(aid)),
      OSSL_PARAM_construct_end()};
  if (EVP_PKEY_CTX_get_params(EVP_MD_CTX_get_pkey_ctx(ctx), params) != 1 ||
      !OSSL_PARAM_modified(params) || params[0].return_size == 0) {
    return crypto::OpenSslInternal("signature AlgorithmIdentifier");
  }
  return std::string(reinterpret_cast<const char*>(aid), params[0].return_size);
}

}  // namespace

absl::StatusOr<std::unique_ptr<const LeafEncoder>> LeafEncoder::Create(const X509* signer,
                                                                       const EVP_PKEY* signing_key,
                                                                       const std::string& crl_url) {
  std::unique_ptr<LeafEncoder> encoder(new LeafEncoder());
  unsigned char* name = nullptr;
  const int name_len = i2d_X509_NAME(X509_get_subject_name(signer), &name);
  if (name_len <= 0) return crypto::OpenSslInternal("issuer name");
  crypto::OpensslStringPtr name_owner(reinterpret_cast<char*>(name));
  encoder->issuer_.assign(reinterpret_cast<const char*>(name), static_cast<size_t>(name_len));

  SVIDD_ASSIGN_OR_RETURN(crypto::AuthorityKeyIdPtr akid, MakeAuthorityKeyId(signer));
  SVIDD_ASSIGN_OR_RETURN(encoder->authority_key_id_,
                         ExtensionDer(NID_authority_key_identifier, akid.get()));
  if (!crl_url.empty()) {
    SVIDD_ASSIGN_OR_RETURN(crypto::CrlDistPointsPtr points, MakeCrlDistributionPoints(crl_url));
    SVIDD_ASSIGN_OR_RETURN(encoder->crl_distribution_,
                           ExtensionDer(NID_crl_distribution_points, points.get()));
  }

  EVP_PKEY* key = const_cast<EVP_PKEY*>(signing_key);  // only read
  const EVP_MD* md = crypto::SignatureDigestFor(key);
  encoder->sign_template_.reset(EVP_MD_CTX_new());
  if (encoder->sign_template_ == nullptr ||
      EVP_DigestSignInit_ex(encoder->sign_template_.get(), nullptr,
                            md == nullptr ? nullptr : EVP_MD_get0_name(md), nullptr, nullptr, key,
                            nullptr) != 1) {
    return crypto::OpenSslInternal("signing context");
  }
  SVIDD_ASSIGN_OR_RETURN(encoder->signature_algorithm_,
                         SignatureAlgorithmId(encoder->sign_template_.get()));
  const int max_size = EVP_PKEY_get_size(key);
  if (max_size <= 0) return crypto::OpenSslInternal("signature size");
  encoder->max_signature_size_ = static_cast<size_t>(max_size);
  return std::unique_ptr<const LeafEncoder>(std::move(encoder));
}

absl::StatusOr<std::string> LeafEncoder::EncodeTbs(const LeafProfile& profile,
                                                   const crypto::PublicKeyInfo& subject_key) const {
  std::string names;
  der::Append(names, kUriTag, profile.id.str());
  for (const std::string& dns : profile.dns_names) der::Append(names, kDnsTag, dns);
  std::string extensions;
  AppendExtension(extensions, der::kSubjectAltNameOid, true, der::Wrap(der::kSequence, names));
  extensions.append(kBasicConstraintsExtension);
  const bool rsa = subject_key.key.algorithm == crypto::KeyDescription::Algorithm::kRsa;
  extensions.append(rsa ? kKeyUsageRsaExtension : kKeyUsageExtension);
  extensions.append(kExtendedKeyUsageExtension);
  SVIDD_ASSIGN_OR_RETURN(std::string ski, SubjectKeyIdValue(subject_key.der));
  AppendExtension(extensions, kSubjectKeyId, false, ski);
  extensions.append(authority_key_id_);
  extensions.append(crl_distribution_);

  SVIDD_ASSIGN_OR_RETURN(std::string serial, EncodeSerial(profile.serial));
  SVIDD_ASSIGN_OR_RETURN(std::string not_before, EncodeTime(profile.not_before));
  SVIDD_ASSIGN_OR_RETURN(std::string not_after, EncodeTime(profile.not_after));
  std::string body;
  body.reserve(640 + subject_key.der.size() + extensions.size());
  body.append(kVersion3);
  body.append(serial);
  body.append(signature_algorithm_);
  body.append(issuer_);
  der::Append(body, der::kSequence, not_before + not_after);
  body.append(kEmptyName);
  body.append(subject_key.der);
  der::Append(body, der::kContext0 | der::kConstructed | 3, der::Wrap(der::kSequence, extensions));
  return der::Wrap(der::kSequence, body);
}

absl::StatusOr<std::string> LeafEncoder::Sign(const std::string& tbs) const {
  // A finished context cannot be reused in 3.0: each call signs with a fresh copy of the
  // template, in a context kept per thread.
  thread_local crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr || EVP_MD_CTX_copy_ex(ctx.get(), sign_template_.get()) != 1) {
    return crypto::OpenSslInternal("signing context");
  }
  std::string signature(max_signature_size_ + 1, '\0');
  size_t size = max_signature_size_;
  auto* out = reinterpret_cast<unsigned char*>(signature.data() + 1);  // after "unused bits"
  if (EVP_DigestSign(ctx.get(), out, &size, crypto::UnsignedBytes(tbs), tbs.size()) != 1) {
    return crypto::OpenSslInternal("signing certificate");
  }
  signature.resize(size + 1);
  std::string body;
  body.reserve(tbs.size() + signature_algorithm_.size() + signature.size() + 8);
  body.append(tbs);
  body.append(signature_algorithm_);
  der::Append(body, der::kBitString, signature);
  return der::Wrap(der::kSequence, body);
}

}  // namespace svidd::pki::internal
