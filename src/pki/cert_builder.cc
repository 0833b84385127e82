#include "pki/cert_builder.h"

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <memory>

#include "svidd/crypto/signature.h"

namespace svidd::pki::internal {
namespace {

using OctetStringPtr =
    std::unique_ptr<ASN1_OCTET_STRING,
                    crypto::internal::SslDeleter<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>>;
using GeneralNamePtr =
    std::unique_ptr<GENERAL_NAME, crypto::internal::SslDeleter<GENERAL_NAME, GENERAL_NAME_free>>;

// SHA-1 of the subjectPublicKey BIT STRING of `cert` (RFC 5280 4.2.1.2, method 1).
absl::StatusOr<OctetStringPtr> KeyHash(const X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_pubkey_digest(cert, EVP_sha1(), md, &len) != 1)
    return crypto::OpenSslInternal("key identifier");
  OctetStringPtr out(ASN1_OCTET_STRING_new());
  if (out == nullptr || ASN1_OCTET_STRING_set(out.get(), md, static_cast<int>(len)) != 1) {
    return crypto::OpenSslInternal("key identifier");
  }
  return out;
}

absl::Status AppendName(GENERAL_NAMES* names, int type, const std::string& value) {
  GeneralNamePtr name(GENERAL_NAME_new());
  ASN1_IA5STRING* text = ASN1_IA5STRING_new();
  if (name == nullptr || text == nullptr) {
    ASN1_IA5STRING_free(text);
    return crypto::OpenSslInternal("subjectAltName entry");
  }
  GENERAL_NAME_set0_value(name.get(), type, text);  // `name` owns `text` from here
  if (ASN1_STRING_set(text, value.data(), static_cast<int>(value.size())) != 1 ||
      sk_GENERAL_NAME_push(names, name.get()) == 0) {
    return crypto::OpenSslInternal("subjectAltName entry");
  }
  name.release();  // now owned by `names`
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<crypto::X509Ptr> NewCertificate() {
  crypto::X509Ptr cert(X509_new());
  if (cert == nullptr || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return crypto::OpenSslInternal("new certificate");
  }
  return cert;
}

absl::Status SetSerial(X509* cert, const std::string& serial) {
  if (serial.empty()) return absl::InvalidArgumentError("empty serial number");
  crypto::BignumPtr bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(serial.data()),
                                 static_cast<int>(serial.size()), nullptr));
  if (bn == nullptr) return crypto::OpenSslInternal("serial number");
  if (BN_is_zero(bn.get())) return absl::InvalidArgumentError("serial number is zero");
  crypto::Asn1IntegerPtr value(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (value == nullptr || X509_set_serialNumber(cert, value.get()) != 1) {
    return crypto::OpenSslInternal("serial number");
  }
  return absl::OkStatus();
}

absl::Status SetValidity(X509* cert, TimePoint not_before, TimePoint not_after) {
  const time_t from = std::chrono::system_clock::to_time_t(not_before);
  const time_t to = std::chrono::system_clock::to_time_t(not_after);
  if (ASN1_TIME_set(X509_getm_notBefore(cert), from) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert), to) == nullptr) {
    return crypto::OpenSslInternal("validity");
  }
  return absl::OkStatus();
}

absl::StatusOr<crypto::X509NamePtr> MakeName(const std::string& organization,
                                             const std::string& common_name) {
  crypto::X509NamePtr name(X509_NAME_new());
  auto add = [&](int nid, const std::string& value) {
    return X509_NAME_add_entry_by_NID(name.get(), nid, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(value.data()),
                                      static_cast<int>(value.size()), -1, 0) == 1;
  };
  if (name == nullptr || !add(NID_organizationName, organization) ||
      !add(NID_commonName, common_name)) {
    return crypto::OpenSslInternal("distinguished name");
  }
  return name;
}

absl::Status SetPublicKey(X509* cert, const EVP_PKEY* key) {
  // X509_set_pubkey only reads the key and takes a reference.
  if (X509_set_pubkey(cert, const_cast<EVP_PKEY*>(key)) != 1)
    return crypto::OpenSslInternal("public key");
  return absl::OkStatus();
}

absl::Status AddConfExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, nullptr, cert, nullptr, nullptr, 0);
  crypto::X509ExtensionPtr ext(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value));
  if (ext == nullptr || X509_add_ext(cert, ext.get(), -1) != 1) {
    return crypto::OpenSslInternal(OBJ_nid2sn(nid));
  }
  return absl::OkStatus();
}

absl::Status AddSubjectAltName(X509* cert, const std::vector<std::string>& uris,
                               const std::vector<std::string>& dns_names, bool critical) {
  crypto::GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (names == nullptr) return crypto::OpenSslInternal("subjectAltName");
  for (const std::string& uri : uris) {
    if (absl::Status s = AppendName(names.get(), GEN_URI, uri); !s.ok()) return s;
  }
  for (const std::string& dns : dns_names) {
    if (absl::Status s = AppendName(names.get(), GEN_DNS, dns); !s.ok()) return s;
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), critical ? 1 : 0,
                        X509V3_ADD_DEFAULT) != 1) {
    return crypto::OpenSslInternal("subjectAltName");
  }
  return absl::OkStatus();
}

absl::Status AddSubjectKeyId(X509* cert) {
  absl::StatusOr<OctetStringPtr> id = KeyHash(cert);
  if (!id.ok()) return id.status();
  if (X509_add1_ext_i2d(cert, NID_subject_key_identifier, id->get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return crypto::OpenSslInternal("subjectKeyIdentifier");
  }
  return absl::OkStatus();
}

absl::StatusOr<crypto::AuthorityKeyIdPtr> MakeAuthorityKeyId(const X509* issuer,
                                                             bool under_construction) {
  crypto::AuthorityKeyIdPtr akid(AUTHORITY_KEYID_new());
  if (akid == nullptr) return crypto::OpenSslInternal("authorityKeyIdentifier");
  // A certificate under construction has no parsed extensions yet: hash its key instead.
  const ASN1_OCTET_STRING* skid =
      under_construction ? nullptr : X509_get0_subject_key_id(const_cast<X509*>(issuer));
  if (skid != nullptr) {
    akid->keyid = ASN1_OCTET_STRING_dup(skid);
    if (akid->keyid == nullptr) return crypto::OpenSslInternal("authorityKeyIdentifier");
  } else {
    absl::StatusOr<OctetStringPtr> hash = KeyHash(issuer);
    if (!hash.ok()) return hash.status();
    akid->keyid = hash->release();
  }
  return akid;
}

absl::Status AddAuthorityKeyId(X509* cert, const X509* issuer) {
  absl::StatusOr<crypto::AuthorityKeyIdPtr> akid = MakeAuthorityKeyId(issuer, issuer == cert);
  if (!akid.ok()) return akid.status();
  if (X509_add1_ext_i2d(cert, NID_authority_key_identifier, akid->get(), 0, X509V3_ADD_DEFAULT) !=
      1) {
    return crypto::OpenSslInternal("authorityKeyIdentifier");
  }
  return absl::OkStatus();
}

absl::StatusOr<crypto::CrlDistPointsPtr> MakeCrlDistributionPoints(const std::string& url) {
  crypto::DistPointPtr point(DIST_POINT_new());
  DIST_POINT_NAME* name = DIST_POINT_NAME_new();
  if (point == nullptr || name == nullptr) {
    DIST_POINT_NAME_free(name);
    return crypto::OpenSslInternal("cRLDistributionPoints");
  }
  point->distpoint = name;  // `point` owns `name` from here
  name->type = 0;           // fullName
  name->name.fullname = sk_GENERAL_NAME_new_null();
  if (name->name.fullname == nullptr) return crypto::OpenSslInternal("cRLDistributionPoints");
  if (absl::Status s = AppendName(name->name.fullname, GEN_URI, url); !s.ok()) return s;
  crypto::CrlDistPointsPtr points(sk_DIST_POINT_new_null());
  if (points == nullptr || sk_DIST_POINT_push(points.get(), point.get()) == 0) {
    return crypto::OpenSslInternal("cRLDistributionPoints");
  }
  point.release();  // now owned by `points`
  return points;
}

absl::Status SignCertificate(X509* cert, EVP_PKEY* key) {
  if (X509_sign(cert, key, crypto::SignatureDigestFor(key)) <= 0)
    return crypto::OpenSslInternal("signing certificate");
  return absl::OkStatus();
}

absl::Status SignCrl(X509_CRL* crl, EVP_PKEY* key) {
  if (X509_CRL_sign(crl, key, crypto::SignatureDigestFor(key)) <= 0)
    return crypto::OpenSslInternal("signing CRL");
  return absl::OkStatus();
}

}  // namespace svidd::pki::internal
