// The DER-walk validator against OpenSSL's own parser and verifier (the validator svidd had
// before, openssl_csr_reference.h), on a table of malformed and hostile requests: wherever
// OpenSSL refuses, the new path refuses too, with the same code; wherever OpenSSL accepts, the
// new path accepts with the same key bytes and identity, except for the refusals it adds on
// purpose (non-DER encodings, MD5/SHA-1 signatures, explicit EC parameters), listed per case.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <functional>

#include "openssl_csr_reference.h"
#include "support/pki/csr_builder.h"
#include "svidd/crypto/pem.h"
#include "svidd/pki/csr_validator.h"

namespace svidd::pki {
namespace {

using testing::CsrSpec;
using ::testing::HasSubstr;

constexpr char kDifferentialId[] = "spiffe://cluster.local/ns/default/sa/bookinfo";

std::string ToPem(const std::string& der) {
  crypto::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio(bio.get(), "CERTIFICATE REQUEST", "",
                reinterpret_cast<const unsigned char*>(der.data()), static_cast<long>(der.size()));
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string Spec(const std::function<void(CsrSpec&)>& edit) {
  CsrSpec spec;
  spec.uris = {kDifferentialId};
  edit(spec);
  return testing::BuildCsr(spec).value().pem;
}

std::string GoodDer(crypto::KeyType type = crypto::KeyType::kEcP256) {
  return crypto::CsrPemToDer(testing::BuildIstioCsr(kDifferentialId, type).value().pem).value();
}

// A request for `key` with the given extensions, signed with `md`.
std::string Custom(EVP_PKEY* key, const std::vector<X509_EXTENSION*>& exts, const EVP_MD* md) {
  crypto::X509ReqPtr req(X509_REQ_new());
  X509_REQ_set_version(req.get(), 0);
  X509_REQ_set_pubkey(req.get(), key);
  STACK_OF(X509_EXTENSION)* stack = sk_X509_EXTENSION_new_null();
  for (X509_EXTENSION* ext : exts) sk_X509_EXTENSION_push(stack, ext);
  if (!exts.empty()) X509_REQ_add_extensions(req.get(), stack);
  sk_X509_EXTENSION_pop_free(stack, X509_EXTENSION_free);
  EXPECT_GT(X509_REQ_sign(req.get(), key, md), 0);
  return crypto::CsrToPem(req.get()).value();
}

X509_EXTENSION* Ext(int nid, const char* value) {
  return X509V3_EXT_nconf_nid(nullptr, nullptr, nid, value);
}
X509_EXTENSION* UriSan() {
  return Ext(NID_subject_alt_name,
             "critical,URI:"
             "spiffe://cluster.local/ns/default/sa/bookinfo");
}
X509_EXTENSION* Raw(const char* oid, bool critical, const std::string& value) {
  ASN1_OBJECT* obj = OBJ_txt2obj(oid, 1);
  ASN1_OCTET_STRING* data = ASN1_OCTET_STRING_new();
  ASN1_OCTET_STRING_set(data, reinterpret_cast<const unsigned char*>(value.data()),
                        static_cast<int>(value.size()));
  X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, obj, critical ? 1 : 0, data);
  ASN1_OBJECT_free(obj);
  ASN1_OCTET_STRING_free(data);
  return ext;
}

crypto::EvpPkeyPtr Key(crypto::KeyType type) { return GenerateKey(type).value(); }

crypto::EvpPkeyPtr ExplicitParamsKey() {
  crypto::EvpPkeyPtr key = Key(crypto::KeyType::kEcP256);
  EXPECT_EQ(EVP_PKEY_set_utf8_string_param(key.get(), OSSL_PKEY_PARAM_EC_ENCODING,
                                           OSSL_PKEY_EC_ENCODING_EXPLICIT),
            1);
  return key;
}

// DER edits outside the signed part (so a verdict is about the encoding, not the signature).
std::string WithOuterLength(const std::string& der, const std::string& length_bytes) {
  // The outer SEQUENCE's header is 30 82 hi lo for every request here.
  EXPECT_EQ(static_cast<uint8_t>(der[1]), 0x82);
  return "\x30" + length_bytes + der.substr(4);
}
std::string Length2(size_t n) {
  return std::string{'\x82', static_cast<char>(n >> 8), static_cast<char>(n & 0xff)};
}

enum class Expect { kSame, kStricter };
struct Case {
  std::string name;
  std::function<std::string()> make_pem;
  Expect expect;
  std::string new_problem;  // for kStricter, or a refusal both share: in the new message
};

std::vector<Case> Cases() {
  using S = CsrSpec;
  return {
      // Well-formed.
      {"P-256", [] { return Spec([](S&) {}); }, Expect::kSame, ""},
      {"P-384", [] { return Spec([](S& s) { s.key_type = crypto::KeyType::kEcP384; }); },
       Expect::kSame, ""},
      {"RSA-2048", [] { return Spec([](S& s) { s.key_type = crypto::KeyType::kRsa2048; }); },
       Expect::kSame, ""},
      {"Ed25519", [] { return Spec([](S& s) { s.key_type = crypto::KeyType::kEd25519; }); },
       Expect::kSame, ""},
      {"allowed extensions", [] { return Spec([](S& s) { s.request_allowed_extensions = true; }); },
       Expect::kSame, ""},
      {"CN in subject", [] { return Spec([](S& s) { s.common_name = "x"; }); }, Expect::kSame, ""},
      {"SHA-384 over P-256",
       [] {
         crypto::EvpPkeyPtr key = Key(crypto::KeyType::kEcP256);
         return Custom(key.get(), {UriSan()}, EVP_sha384());
       },
       Expect::kSame, ""},
      {"RSA with SHA-512",
       [] {
         crypto::EvpPkeyPtr key = Key(crypto::KeyType::kRsa2048);
         return Custom(key.get(), {UriSan()}, EVP_sha512());
       },
       Expect::kSame, ""},
      // The validator's own refusals.
      {"RSA 1024",
       [] {
         return Spec([](S& s) {
           s.key_type = crypto::KeyType::kRsa2048;
           s.rsa_bits = 1024;
         });
       },
       Expect::kSame, "RSA key of 1024 bits"},
      {"P-521 key",
       [] {
         crypto::EvpPkeyPtr key = testing::GenerateEcKeyOnCurve("P-521").value();
         return Custom(key.get(), {UriSan()}, EVP_sha512());
       },
       Expect::kSame, "EC curve P-521 is not allowed"},
      {"secp256k1 key",
       [] {
         crypto::EvpPkeyPtr key = testing::GenerateEcKeyOnCurve("secp256k1").value();
         return Custom(key.get(), {UriSan()}, EVP_sha256());
       },
       Expect::kSame, "EC curve secp256k1 is not allowed"},
      {"Ed448 key",
       [] {
         crypto::EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED448"));
         return Custom(key.get(), {UriSan()}, nullptr);
       },
       Expect::kSame, "key algorithm ED448 is not allowed"},
      {"bad signature", [] { return Spec([](S& s) { s.corrupt_signature = true; }); },
       Expect::kSame, "signature does not verify"},
      {"bad RSA signature",
       [] {
         return Spec([](S& s) {
           s.key_type = crypto::KeyType::kRsa2048;
           s.corrupt_signature = true;
         });
       },
       Expect::kSame, "signature does not verify"},
      {"bad Ed25519 signature",
       [] {
         return Spec([](S& s) {
           s.key_type = crypto::KeyType::kEd25519;
           s.corrupt_signature = true;
         });
       },
       Expect::kSame, "signature does not verify"},
      {"challengePassword", [] { return Spec([](S& s) { s.challenge_password = true; }); },
       Expect::kSame, ""},
      {"no SAN", [] { return Spec([](S& s) { s.uris = {}; }); }, Expect::kSame,
       "no subjectAltName"},
      {"two URIs in one SAN",
       [] { return Spec([](S& s) { s.uris.push_back("spiffe://cluster.local/ns/x/sa/y"); }); },
       Expect::kSame, "exactly one URI SAN; found 2"},
      {"DNS SAN", [] { return Spec([](S& s) { s.dns = {"a.example"}; }); }, Expect::kSame,
       "a DNS name"},
      {"email SAN", [] { return Spec([](S& s) { s.emails = {"a@example.com"}; }); }, Expect::kSame,
       "an email address"},
      {"IP SAN", [] { return Spec([](S& s) { s.ips = {"10.0.0.1"}; }); }, Expect::kSame,
       "an IP address"},
      {"CA request", [] { return Spec([](S& s) { s.request_ca = true; }); }, Expect::kSame,
       "cA=true"},
      {"keyCertSign", [] { return Spec([](S& s) { s.request_key_cert_sign = true; }); },
       Expect::kSame, "keyCertSign"},
      {"cRLSign", [] { return Spec([](S& s) { s.request_crl_sign = true; }); }, Expect::kSame,
       "cRLSign"},
      {"nsComment", [] { return Spec([](S& s) { s.extra_extension = true; }); }, Expect::kSame,
       "nsComment"},
      {"non-SPIFFE URI", [] { return Spec([](S& s) { s.uris = {"https://example.com/x"}; }); },
       Expect::kSame, "URI SAN"},
      {"two SAN extensions",
       [] {
         crypto::EvpPkeyPtr key = Key(crypto::KeyType::kEcP256);
         return Custom(key.get(), {UriSan(), UriSan()}, EVP_sha256());
       },
       Expect::kSame, "requested twice"},
      {"unknown critical extension",
       [] {
         crypto::EvpPkeyPtr key = Key(crypto::KeyType::kEcP256);
         return Custom(key.get(), {UriSan(), Raw("1.2.3.4.5", true, std::string("\x05\x00", 2))},
                       EVP_sha256());
       },
       Expect::kSame, "extension 1.2.3.4.5 is not allowed"},
      {"EKU codeSigning",
       [] {
         crypto::EvpPkeyPtr key = Key(crypto::KeyType::kEcP256);
         return Custom(key.get(), {UriSan(), Ext(NID_ext_key_usage, "codeSigning")}, EVP_sha256());
       },
       Expect::kSame, "extendedKeyUsage codeSigning"},
      {"SAN that is not GeneralNames",
       [] {
         crypto::EvpPkeyPtr key = Key(crypto::KeyType::kEcP256);
         return Custom(key.get(), {Raw("2.5.29.17", true, std::string("\x04\x00", 2))},
                       EVP_sha256());
       },
       Expect::kSame, "subjectAltName cannot be parsed"},
      // Encodings.
      {"empty", [] { return std::string(); }, Expect::kSame, "no PEM block"},
      {"not DER at all", [] { return ToPem("\x01\x02\x03"); }, Expect::kSame,
       "cannot parse certificate request"},
      {"trailing garbage", [] { return ToPem(GoodDer() + std::string("\x00\x00", 2)); },
       Expect::kSame, "trailing"},
      {"truncated",
       [] {
         std::string d = GoodDer();
         return ToPem(d.substr(0, d.size() - 1));
       },
       Expect::kSame, "cannot parse certificate request"},
      {"outer length one too long",
       [] {
         std::string d = GoodDer();
         return ToPem(WithOuterLength(d, Length2(d.size() - 4 + 1)));
       },
       Expect::kSame, "cannot parse certificate request"},
      {"outer length one too short",
       [] {
         std::string d = GoodDer();
         return ToPem(WithOuterLength(d, Length2(d.size() - 4 - 1)));
       },
       Expect::kSame, "cannot parse certificate request"},
      // Stricter than OpenSSL, on purpose.
      {"non-minimal outer length",
       [] {
         std::string d = GoodDer(crypto::KeyType::kRsa2048);
         const size_t n = d.size() - 4;
         return ToPem(WithOuterLength(
             d, std::string{'\x83', '\0', static_cast<char>(n >> 8), static_cast<char>(n & 0xff)}));
       },
       Expect::kStricter, "non-minimal DER length"},
      {"indefinite outer length",
       [] {
         std::string d = GoodDer();
         return ToPem("\x30\x80" + d.substr(4) + std::string("\x00\x00", 2));
       },
       Expect::kStricter, "indefinite length"},
      {"explicit EC parameters",
       [] {
         crypto::EvpPkeyPtr key = ExplicitParamsKey();
         return Custom(key.get(), {UriSan()}, EVP_sha256());
       },
       Expect::kStricter, "explicit curve parameters"},
      {"SHA-1 ECDSA signature",
       [] {
         crypto::EvpPkeyPtr key = Key(crypto::KeyType::kEcP256);
         return Custom(key.get(), {UriSan()}, EVP_sha1());
       },
       Expect::kStricter, "signature digest SHA1 is too weak"},
      {"SHA-1 RSA signature",
       [] {
         crypto::EvpPkeyPtr key = Key(crypto::KeyType::kRsa2048);
         return Custom(key.get(), {UriSan()}, EVP_sha1());
       },
       Expect::kStricter, "signature digest SHA1 is too weak"},
      {"SHA-224 ECDSA signature",
       [] {
         crypto::EvpPkeyPtr key = Key(crypto::KeyType::kEcP256);
         return Custom(key.get(), {UriSan()}, EVP_sha224());
       },
       Expect::kStricter, "ecdsa-with-SHA224 (1.2.840.10045.4.3.1) is not allowed"},
      {"MD5 RSA signature",
       [] {
         crypto::EvpPkeyPtr key = Key(crypto::KeyType::kRsa2048);
         return Custom(key.get(), {UriSan()}, EVP_md5());
       },
       Expect::kStricter, "signature digest MD5 is too weak"},
  };
}

TEST(CsrDifferentialTest, SameVerdictAsOpenSslExceptWhereStricterOnPurpose) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    const std::string pem = c.make_pem();
    absl::StatusOr<testing::ReferenceVerdict> reference = testing::ValidateCsrWithOpenSsl(pem);
    absl::StatusOr<ValidatedCsr> mine = ValidateCsr(pem);
    if (c.expect == Expect::kStricter) {
      EXPECT_TRUE(reference.ok()) << "OpenSSL accepts this: " << reference.status();
      ASSERT_FALSE(mine.ok());
      EXPECT_EQ(mine.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(mine.status().message(), HasSubstr(c.new_problem));
      continue;
    }
    ASSERT_EQ(mine.ok(), reference.ok())
        << "OpenSSL: " << reference.status() << "\nDER walk: " << mine.status();
    if (reference.ok()) {
      EXPECT_EQ(mine->public_key.der, reference->spki_der) << "the same key bytes";
      EXPECT_EQ(mine->public_key.key.Label(), reference->key_label);
      EXPECT_EQ(mine->requested_id.str(), reference->uri);
      continue;
    }
    EXPECT_EQ(mine.status().code(), reference.status().code())
        << "OpenSSL: " << reference.status() << "\nDER walk: " << mine.status();
    EXPECT_THAT(mine.status().message(), HasSubstr(c.new_problem));
  }
}

}  // namespace
}  // namespace svidd::pki
