#include "support/pki/csr_builder.h"

#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "svidd/common/status_macros.h"

namespace svidd::testing {
namespace {

absl::Status Fail(const char* what) {
  return crypto::OpenSslError(absl::StatusCode::kInternal, what);
}

bool IsRsa(crypto::KeyType type) {
  return type == crypto::KeyType::kRsa2048 || type == crypto::KeyType::kRsa3072 ||
         type == crypto::KeyType::kRsa4096;
}

absl::StatusOr<crypto::EvpPkeyPtr> ObtainKey(const CsrSpec& spec) {
  if (spec.key != nullptr) {
    EVP_PKEY* key = const_cast<EVP_PKEY*>(spec.key);
    if (EVP_PKEY_up_ref(key) != 1) return Fail("EVP_PKEY_up_ref");
    return crypto::EvpPkeyPtr(key);
  }
  if (spec.rsa_bits > 0 && IsRsa(spec.key_type)) return GenerateRsaKey(spec.rsa_bits);
  if (spec.explicit_ec_params) {
    return GenerateExplicitEcKey(spec.key_type == crypto::KeyType::kEcP384 ? "P-384" : "P-256");
  }
  return GenerateKey(spec.key_type);
}

// `type` is a V_ASN1_* string type, so OpenSSL's minimum lengths (O must be 1+ characters)
// do not apply: Go, and so istio-agent, encodes O="" as an empty PrintableString.
absl::Status AddSubjectEntry(X509_NAME* name, const char* field, const std::string& value,
                             int type = V_ASN1_UTF8STRING) {
  if (X509_NAME_add_entry_by_txt(name, field, type,
                                 reinterpret_cast<const unsigned char*>(value.c_str()),
                                 static_cast<int>(value.size()), -1, 0) != 1) {
    return Fail("X509_NAME_add_entry_by_txt");
  }
  return absl::OkStatus();
}

absl::Status SetSubject(X509_REQ* req, const CsrSpec& spec) {
  crypto::X509NamePtr name(X509_NAME_new());
  if (name == nullptr) return Fail("X509_NAME_new");
  if (spec.istio_empty_org)
    SVIDD_RETURN_IF_ERROR(AddSubjectEntry(name.get(), "O", "", V_ASN1_PRINTABLESTRING));
  if (!spec.common_name.empty()) {
    SVIDD_RETURN_IF_ERROR(AddSubjectEntry(name.get(), "CN", spec.common_name));
  }
  if (X509_REQ_set_subject_name(req, name.get()) != 1) return Fail("X509_REQ_set_subject_name");
  return absl::OkStatus();
}

// Appends a GENERAL_NAME of `type` holding an IA5String (URI, DNS, email).
absl::Status AddIa5Name(GENERAL_NAMES* names, int type, const std::string& value) {
  ASN1_IA5STRING* text = ASN1_IA5STRING_new();
  if (text == nullptr || ASN1_STRING_set(text, value.data(), static_cast<int>(value.size())) != 1) {
    ASN1_IA5STRING_free(text);
    return Fail("ASN1_STRING_set");
  }
  GENERAL_NAME* name = GENERAL_NAME_new();
  if (name == nullptr) {
    ASN1_IA5STRING_free(text);
    return Fail("GENERAL_NAME_new");
  }
  GENERAL_NAME_set0_value(name, type, text);
  if (sk_GENERAL_NAME_push(names, name) <= 0) {
    GENERAL_NAME_free(name);
    return Fail("sk_GENERAL_NAME_push");
  }
  return absl::OkStatus();
}

absl::Status AddIpName(GENERAL_NAMES* names, const std::string& ip) {
  ASN1_OCTET_STRING* address = a2i_IPADDRESS(ip.c_str());
  if (address == nullptr) return Fail("a2i_IPADDRESS");
  GENERAL_NAME* name = GENERAL_NAME_new();
  if (name == nullptr) {
    ASN1_OCTET_STRING_free(address);
    return Fail("GENERAL_NAME_new");
  }
  GENERAL_NAME_set0_value(name, GEN_IPADD, address);
  if (sk_GENERAL_NAME_push(names, name) <= 0) {
    GENERAL_NAME_free(name);
    return Fail("sk_GENERAL_NAME_push");
  }
  return absl::OkStatus();
}

absl::Status Push(STACK_OF(X509_EXTENSION) * exts, crypto::X509ExtensionPtr ext, const char* what) {
  if (ext == nullptr) return Fail(what);
  if (sk_X509_EXTENSION_push(exts, ext.get()) <= 0) return Fail("sk_X509_EXTENSION_push");
  ext.release();  // now owned by the stack
  return absl::OkStatus();
}

absl::Status AddSan(STACK_OF(X509_EXTENSION) * exts, const CsrSpec& spec) {
  if (spec.uris.empty() && spec.dns.empty() && spec.emails.empty() && spec.ips.empty()) {
    return absl::OkStatus();
  }
  crypto::GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (names == nullptr) return Fail("sk_GENERAL_NAME_new_null");
  for (const auto& uri : spec.uris) SVIDD_RETURN_IF_ERROR(AddIa5Name(names.get(), GEN_URI, uri));
  for (const auto& dns : spec.dns) SVIDD_RETURN_IF_ERROR(AddIa5Name(names.get(), GEN_DNS, dns));
  for (const auto& email : spec.emails) {
    SVIDD_RETURN_IF_ERROR(AddIa5Name(names.get(), GEN_EMAIL, email));
  }
  for (const auto& ip : spec.ips) SVIDD_RETURN_IF_ERROR(AddIpName(names.get(), ip));
  crypto::X509ExtensionPtr ext(
      X509V3_EXT_i2d(NID_subject_alt_name, spec.san_critical ? 1 : 0, names.get()));
  return Push(exts, std::move(ext), "X509V3_EXT_i2d(subjectAltName)");
}

absl::Status AddConf(STACK_OF(X509_EXTENSION) * exts, int nid, const std::string& value) {
  crypto::X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, nullptr, nid, value.c_str()));
  return Push(exts, std::move(ext), "X509V3_EXT_conf_nid");
}

std::string KeyUsageConf(const CsrSpec& spec) {
  std::vector<std::string> usages = {"digitalSignature"};
  if (spec.request_allowed_extensions) usages.push_back("keyEncipherment");
  if (spec.request_key_cert_sign) usages.push_back("keyCertSign");
  if (spec.request_crl_sign) usages.push_back("cRLSign");
  return absl::StrCat("critical,", absl::StrJoin(usages, ","));
}

absl::Status AddExtensions(X509_REQ* req, const CsrSpec& spec) {
  crypto::ExtensionStackPtr exts(sk_X509_EXTENSION_new_null());
  if (exts == nullptr) return Fail("sk_X509_EXTENSION_new_null");
  SVIDD_RETURN_IF_ERROR(AddSan(exts.get(), spec));
  if (spec.request_allowed_extensions || spec.request_key_cert_sign || spec.request_crl_sign) {
    SVIDD_RETURN_IF_ERROR(AddConf(exts.get(), NID_key_usage, KeyUsageConf(spec)));
  }
  if (spec.request_allowed_extensions) {
    SVIDD_RETURN_IF_ERROR(AddConf(exts.get(), NID_ext_key_usage, "serverAuth,clientAuth"));
  }
  if (spec.request_ca || spec.request_allowed_extensions) {
    SVIDD_RETURN_IF_ERROR(AddConf(exts.get(), NID_basic_constraints,
                                  spec.request_ca ? "critical,CA:TRUE" : "critical,CA:FALSE"));
  }
  if (spec.extra_extension) {
    SVIDD_RETURN_IF_ERROR(AddConf(exts.get(), NID_netscape_comment, "svidd test"));
  }
  if (sk_X509_EXTENSION_num(exts.get()) == 0) return absl::OkStatus();
  if (X509_REQ_add_extensions(req, exts.get()) != 1) return Fail("X509_REQ_add_extensions");
  return absl::OkStatus();
}

absl::Status Sign(X509_REQ* req, EVP_PKEY* key, const std::string& digest) {
  // EdDSA signs the message itself; every other key type here hashes with SHA-256 by default.
  const int id = EVP_PKEY_get_base_id(key);
  const EVP_MD* md = id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448 ? nullptr : EVP_sha256();
  if (!digest.empty()) {
    md = EVP_get_digestbyname(digest.c_str());
    if (md == nullptr) return Fail("EVP_get_digestbyname");
  }
  if (X509_REQ_sign(req, key, md) <= 0) return Fail("X509_REQ_sign");
  return absl::OkStatus();
}

// PEM of the request; with `corrupt`, the last DER byte (inside the signature) is flipped.
absl::StatusOr<std::string> EncodePem(X509_REQ* req, bool corrupt) {
  unsigned char* der = nullptr;
  int len = i2d_X509_REQ(req, &der);
  if (len <= 0) return Fail("i2d_X509_REQ");
  crypto::OpensslStringPtr owner(reinterpret_cast<char*>(der));
  if (corrupt) der[len - 1] ^= 0x01;
  crypto::BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr) return Fail("BIO_new");
  if (PEM_write_bio(bio.get(), PEM_STRING_X509_REQ, "", der, len) <= 0)
    return Fail("PEM_write_bio");
  char* data = nullptr;
  long pem_len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(pem_len));
}

}  // namespace

absl::StatusOr<TestCsr> BuildCsr(const CsrSpec& spec) {
  SVIDD_ASSIGN_OR_RETURN(crypto::EvpPkeyPtr key, ObtainKey(spec));
  crypto::X509ReqPtr req(X509_REQ_new());
  if (req == nullptr) return Fail("X509_REQ_new");
  if (X509_REQ_set_version(req.get(), 0) != 1) return Fail("X509_REQ_set_version");
  SVIDD_RETURN_IF_ERROR(SetSubject(req.get(), spec));
  if (X509_REQ_set_pubkey(req.get(), key.get()) != 1) return Fail("X509_REQ_set_pubkey");
  SVIDD_RETURN_IF_ERROR(AddExtensions(req.get(), spec));
  if (spec.challenge_password &&
      X509_REQ_add1_attr_by_NID(req.get(), NID_pkcs9_challengePassword, MBSTRING_ASC,
                                reinterpret_cast<const unsigned char*>("secret"), -1) != 1) {
    return Fail("X509_REQ_add1_attr_by_NID");
  }
  SVIDD_RETURN_IF_ERROR(Sign(req.get(), key.get(), spec.digest));
  SVIDD_ASSIGN_OR_RETURN(std::string pem, EncodePem(req.get(), spec.corrupt_signature));
  return TestCsr{std::move(key), std::move(pem)};
}

absl::StatusOr<TestCsr> BuildIstioCsr(const std::string& spiffe_id, crypto::KeyType key_type) {
  CsrSpec spec;
  spec.key_type = key_type;
  spec.uris = {spiffe_id};
  return BuildCsr(spec);
}

absl::StatusOr<crypto::EvpPkeyPtr> GenerateEcKeyOnCurve(const std::string& curve) {
  crypto::EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve.c_str()));
  if (key == nullptr) return Fail("EVP_PKEY_Q_keygen(EC)");
  return key;
}

absl::StatusOr<crypto::EvpPkeyPtr> GenerateExplicitEcKey(const std::string& curve) {
  crypto::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (ctx == nullptr || EVP_PKEY_keygen_init(ctx.get()) != 1) return Fail("EVP_PKEY_keygen_init");
  std::string group = curve;
  std::string encoding = OSSL_PKEY_EC_ENCODING_EXPLICIT;
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group.data(), 0),
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_EC_ENCODING, encoding.data(), 0),
      OSSL_PARAM_construct_end()};
  if (EVP_PKEY_CTX_set_params(ctx.get(), params) != 1) return Fail("EVP_PKEY_CTX_set_params");
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &key) != 1) return Fail("EVP_PKEY_generate(EC explicit)");
  return crypto::EvpPkeyPtr(key);
}

absl::StatusOr<crypto::EvpPkeyPtr> GenerateRsaKey(int bits) {
  crypto::EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)));
  if (key == nullptr) return Fail("EVP_PKEY_Q_keygen(RSA)");
  return key;
}

}  // namespace svidd::testing
