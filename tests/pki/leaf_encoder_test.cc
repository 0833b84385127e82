// The DER leaf encoder against the X509 API it replaced: for the same profile, serial, times
// and key, the TBSCertificate is the same byte for byte (and the whole certificate, for CA keys
// whose signatures are deterministic); and the external validators accept its leaves.
#include "pki/leaf_encoder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "pki/der.h"
#include "support/pki/csr_builder.h"
#include "support/pki/external_verify.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/pki/authority.h"
#include "svidd/pki/csr_validator.h"
#include "x509_api_leaf.h"

namespace svidd::pki {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

constexpr char kLeafId[] = "spiffe://cluster.local/ns/default/sa/web";

// The first element of a Certificate: its TBSCertificate, as encoded.
std::string TbsOf(const std::string& cert_der) {
  internal::der::Reader outer(cert_der);
  auto cert = outer.Next(internal::der::kSequence, "certificate");
  if (!cert.ok()) return "";
  internal::der::Reader body(cert->content);
  auto tbs = body.Next(internal::der::kSequence, "tbs");
  return tbs.ok() ? std::string(tbs->whole) : "";
}

// A CSR the way a workload sends it, validated: the key as svidd receives it.
struct Requester {
  crypto::EvpPkeyPtr key;
  ValidatedCsr csr;
};
Requester MakeRequester(crypto::KeyType type) {
  auto made = testing::BuildIstioCsr(kLeafId, type);
  EXPECT_TRUE(made.ok()) << made.status();
  auto validated = ValidateCsr(made->pem);
  EXPECT_TRUE(validated.ok()) << validated.status();
  return {std::move(made->key), *std::move(validated)};
}

std::shared_ptr<const Authority> MakeCa(TimePoint now, crypto::KeyType key,
                                        const std::string& crl_base) {
  auto base = testing::MakeTestAuthority(now, key);
  EXPECT_TRUE(base.ok()) << base.status();
  if (!base.ok()) return nullptr;
  auto ca = Authority::Create((*base)->ShareMaterial(), AuthorityOptions{crl_base});
  EXPECT_TRUE(ca.ok()) << ca.status();
  return ca.ok() ? *ca : nullptr;
}

struct SameLeafCase {
  std::string name;
  crypto::KeyType ca_key;
  crypto::KeyType subject_key;
  std::string serial;
  std::vector<std::string> dns;
  std::string crl_base;
};

TEST(LeafEncoderTest, BuildsTheSameCertificateAsTheX509Api) {
  const TimePoint now = SystemClock::Instance().Now();
  const std::string serial16("\x5a\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f",
                             16);
  const std::vector<SameLeafCase> cases = {
      {"P-256 CSR, P-256 CA", crypto::KeyType::kEcP256, crypto::KeyType::kEcP256, serial16, {}, ""},
      {"P-384 CSR, P-256 CA", crypto::KeyType::kEcP256, crypto::KeyType::kEcP384, serial16, {}, ""},
      {"RSA-2048 CSR, P-256 CA",
       crypto::KeyType::kEcP256,
       crypto::KeyType::kRsa2048,
       serial16,
       {},
       ""},
      {"P-256 CSR, RSA CA (deterministic)",
       crypto::KeyType::kRsa2048,
       crypto::KeyType::kEcP256,
       serial16,
       {},
       ""},
      {"RSA-2048 CSR, RSA CA",
       crypto::KeyType::kRsa2048,
       crypto::KeyType::kRsa2048,
       serial16,
       {},
       ""},
      {"P-256 CSR, P-384 CA", crypto::KeyType::kEcP384, crypto::KeyType::kEcP256, serial16, {}, ""},
      {"P-256 CSR, Ed25519 CA",
       crypto::KeyType::kEd25519,
       crypto::KeyType::kEcP256,
       serial16,
       {},
       ""},
      {"serial with the top bit set",
       crypto::KeyType::kEcP256,
       crypto::KeyType::kEcP256,
       std::string("\xff\x01", 2),
       {},
       ""},
      {"serial with leading zero bytes",
       crypto::KeyType::kEcP256,
       crypto::KeyType::kEcP256,
       std::string("\x00\x00\x01", 3),
       {},
       ""},
      {"DNS names and a CRL URL",
       crypto::KeyType::kEcP256,
       crypto::KeyType::kRsa2048,
       serial16,
       {"localhost", "svidd.istio-system.svc"},
       "http://svidd.svidd-system.svc:8080"},
  };
  for (const SameLeafCase& c : cases) {
    SCOPED_TRACE(c.name);
    auto ca = MakeCa(now, c.ca_key, c.crl_base);
    ASSERT_NE(ca, nullptr);
    Requester requester = MakeRequester(c.subject_key);
    LeafProfile profile{spiffe::SpiffeId::Parse(kLeafId).value(), c.dns,
                        std::chrono::floor<seconds>(now - hours(1)),
                        std::chrono::floor<seconds>(now + hours(2)), c.serial};
    auto old_leaf = testing::BuildLeafWithX509Api(profile, requester.key.get(), ca->signing_cert(),
                                                  ca->signing_key(), ca->crl_url());
    ASSERT_TRUE(old_leaf.ok()) << old_leaf.status();
    auto new_leaf = ca->SignLeaf(profile, requester.csr.public_key);
    ASSERT_TRUE(new_leaf.ok()) << new_leaf.status();
    EXPECT_EQ(absl::BytesToHexString(TbsOf(new_leaf->der)),
              absl::BytesToHexString(testing::TbsDer(old_leaf->get())));
    const std::string old_der = crypto::CertificateToDer(old_leaf->get()).value();
    if (c.ca_key != crypto::KeyType::kEcP256 && c.ca_key != crypto::KeyType::kEcP384) {
      EXPECT_EQ(new_leaf->der, old_der) << "RSA and Ed25519 signatures are deterministic";
    }
    // What the rest of svidd reads from the issued certificate agrees with the certificate.
    crypto::X509Ptr parsed = crypto::ParseCertificateDer(new_leaf->der).value();
    EXPECT_EQ(new_leaf->pem, crypto::CertificateToPem(parsed.get()).value());
    EXPECT_EQ(new_leaf->serial_hex, crypto::SerialHex(parsed.get()));
    EXPECT_EQ(new_leaf->not_before, crypto::NotBefore(parsed.get()));
    EXPECT_EQ(new_leaf->not_after, crypto::NotAfter(parsed.get()));
    EXPECT_EQ(new_leaf->public_key_sha256, crypto::PublicKeySha256Hex(requester.key.get()).value());
    EXPECT_EQ(new_leaf->key_label, crypto::DescribeKey(requester.key.get()).value().Label());
    EXPECT_EQ(X509_verify(parsed.get(), X509_get0_pubkey(ca->signing_cert())), 1);
  }
}

// Validity past 2049 is a GeneralizedTime (RFC 5280 4.1.2.5), as ASN1_TIME_set writes it.
TEST(LeafEncoderTest, EncodesTimesFrom2050AsGeneralizedTime) {
  const TimePoint now = SystemClock::Instance().Now();
  auto ca = MakeCa(now, crypto::KeyType::kEcP256, "");
  ASSERT_NE(ca, nullptr);
  auto encoder = internal::LeafEncoder::Create(ca->signing_cert(), ca->signing_key(), "");
  ASSERT_TRUE(encoder.ok()) << encoder.status();
  Requester requester = MakeRequester(crypto::KeyType::kEcP256);
  const TimePoint y2049 =
      std::chrono::system_clock::from_time_t(2524607999);  // 2049-12-31 23:59:59
  const TimePoint y2050 = std::chrono::system_clock::from_time_t(2524608000);  // 2050-01-01
  LeafProfile profile{
      spiffe::SpiffeId::Parse(kLeafId).value(), {}, y2049, y2050, std::string("\x01", 1)};
  auto tbs = (*encoder)->EncodeTbs(profile, requester.csr.public_key);
  ASSERT_TRUE(tbs.ok()) << tbs.status();
  auto old_leaf = testing::BuildLeafWithX509Api(profile, requester.key.get(), ca->signing_cert(),
                                                ca->signing_key(), "");
  ASSERT_TRUE(old_leaf.ok()) << old_leaf.status();
  EXPECT_EQ(absl::BytesToHexString(*tbs), absl::BytesToHexString(testing::TbsDer(old_leaf->get())));
  EXPECT_NE(tbs->find("491231235959Z"), std::string::npos);
  EXPECT_NE(tbs->find("20500101000000Z"), std::string::npos);
}

TEST(LeafEncoderTest, RefusesZeroAndEmptySerials) {
  const TimePoint now = SystemClock::Instance().Now();
  auto ca = MakeCa(now, crypto::KeyType::kEcP256, "");
  ASSERT_NE(ca, nullptr);
  Requester requester = MakeRequester(crypto::KeyType::kEcP256);
  for (const std::string& serial : {std::string(), std::string("\0\0", 2)}) {
    LeafProfile profile{spiffe::SpiffeId::Parse(kLeafId).value(), {}, now, now + hours(1), serial};
    EXPECT_EQ(ca->SignLeaf(profile, requester.csr.public_key).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
}

// Leaves for the keys istio-agent and others send pass `openssl verify -x509_strict` and
// GnuTLS, as client and server certificates.
TEST(LeafEncoderTest, ExternalValidatorsAcceptItsLeaves) {
  const TimePoint now = SystemClock::Instance().Now();
  auto ca = MakeCa(now, crypto::KeyType::kEcP256, "http://svidd.svidd-system.svc:8080");
  ASSERT_NE(ca, nullptr);
  for (crypto::KeyType type :
       {crypto::KeyType::kEcP256, crypto::KeyType::kEcP384, crypto::KeyType::kRsa2048}) {
    SCOPED_TRACE(KeyTypeName(type));
    Requester requester = MakeRequester(type);
    auto profile =
        BuildLeafProfile(requester.csr.requested_id, hours(1), TtlPolicy{}, now, ca->not_after());
    ASSERT_TRUE(profile.ok()) << profile.status();
    auto leaf = ca->SignLeaf(*profile, requester.csr.public_key);
    ASSERT_TRUE(leaf.ok()) << leaf.status();
    for (const char* purpose : {"sslclient", "sslserver"}) {
      absl::Status status =
          testing::OpensslVerifyStrict(leaf->pem, ca->chain_pem(), ca->root_bundle_pem(), purpose);
      EXPECT_TRUE(status.ok()) << purpose << ": " << status;
    }
    absl::Status status =
        testing::CerttoolVerify(leaf->pem, ca->chain_pem(), ca->root_bundle_pem());
    EXPECT_TRUE(status.ok()) << status;
  }
}

}  // namespace
}  // namespace svidd::pki
