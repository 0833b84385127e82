#include "svidd/crypto/keys.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crypto/test_certificate.h"
#include "support/pki/csr_builder.h"
#include "svidd/crypto/pem.h"

namespace svidd::crypto {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

struct KeyCase {
  KeyType type;
  std::string name;
  KeyDescription::Algorithm algorithm;
  int bits;
  std::string curve;
  std::string label;
};

const std::vector<KeyCase>& KeyCases() {
  using A = KeyDescription::Algorithm;
  static const auto* cases = new std::vector<KeyCase>{
      {KeyType::kEcP256, "ec-p256", A::kEc, 256, "P-256", "EC-P256"},
      {KeyType::kEcP384, "ec-p384", A::kEc, 384, "P-384", "EC-P384"},
      {KeyType::kRsa2048, "rsa-2048", A::kRsa, 2048, "", "RSA-2048"},
      {KeyType::kRsa3072, "rsa-3072", A::kRsa, 3072, "", "RSA-3072"},
      {KeyType::kRsa4096, "rsa-4096", A::kRsa, 4096, "", "RSA-4096"},
      {KeyType::kEd25519, "ed25519", A::kEd25519, 256, "", "ED25519"},
  };
  return *cases;
}

TEST(KeysTest, KeyTypeNamesRoundTrip) {
  for (const KeyCase& c : KeyCases()) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(KeyTypeName(c.type), c.name);
    auto parsed = ParseKeyType(c.name);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, c.type);
  }
}

TEST(KeysTest, UnknownKeyTypeIsRefusedWithTheChoices) {
  for (const char* name : {"", "EC-P256", "rsa-1024", "ec-p521"}) {
    SCOPED_TRACE(name);
    auto parsed = ParseKeyType(name);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(), HasSubstr("expected ec-p256, ec-p384"));
  }
}

TEST(KeysTest, GeneratedKeysDescribeThemselves) {
  for (const KeyCase& c : KeyCases()) {
    SCOPED_TRACE(c.name);
    auto key = GenerateKey(c.type);
    ASSERT_TRUE(key.ok()) << key.status();
    auto d = DescribeKey(key->get());
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_EQ(d->algorithm, c.algorithm);
    EXPECT_EQ(d->bits, c.bits);
    EXPECT_EQ(d->curve, c.curve);
    EXPECT_EQ(d->Label(), c.label);
  }
}

TEST(KeysTest, NonNistCurvesKeepOpenSslNames) {
  auto k1 = testing::GenerateEcKeyOnCurve("secp256k1").value();
  auto d = DescribeKey(k1.get()).value();
  EXPECT_EQ(d.algorithm, KeyDescription::Algorithm::kEc);
  EXPECT_EQ(d.curve, "secp256k1");
  auto p521 = testing::GenerateEcKeyOnCurve("P-521").value();
  EXPECT_EQ(DescribeKey(p521.get()).value().Label(), "EC-P521");
}

TEST(KeysTest, NullKeyIsRefused) {
  EXPECT_EQ(DescribeKey(nullptr).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(KeysTest, PublicKeyFingerprintIsStableAndDistinct) {
  auto a = GenerateKey(KeyType::kEcP256).value();
  auto b = GenerateKey(KeyType::kEcP256).value();
  std::string fa = PublicKeySha256Hex(a.get()).value();
  EXPECT_THAT(fa, MatchesRegex("[0-9a-f]{64}"));
  EXPECT_EQ(fa, PublicKeySha256Hex(a.get()).value());
  EXPECT_NE(fa, PublicKeySha256Hex(b.get()).value());
  // The certificate's copy of the public key has the same fingerprint.
  auto cert = testing::MakeCertificate({}, a.get()).value();
  EXPECT_EQ(PublicKeySha256Hex(X509_get0_pubkey(cert.get())).value(), fa);
}

TEST(KeysTest, KeyMatchesOnlyItsOwnCertificate) {
  for (const KeyCase& c : KeyCases()) {
    SCOPED_TRACE(c.name);
    auto key = GenerateKey(c.type).value();
    auto other = GenerateKey(c.type).value();
    auto cert = testing::MakeCertificate({}, key.get()).value();
    EXPECT_TRUE(KeyMatchesCertificate(key.get(), cert.get()));
    EXPECT_FALSE(KeyMatchesCertificate(other.get(), cert.get()));
  }
  auto ec = GenerateKey(KeyType::kEcP256).value();
  auto rsa = GenerateKey(KeyType::kRsa2048).value();
  auto cert = testing::MakeCertificate({}, ec.get()).value();
  EXPECT_FALSE(KeyMatchesCertificate(rsa.get(), cert.get()));
  EXPECT_FALSE(KeyMatchesCertificate(nullptr, cert.get()));
  EXPECT_FALSE(KeyMatchesCertificate(ec.get(), nullptr));
}

// PublicKeyInfo carries the same SubjectPublicKeyInfo bytes and hash as the EVP_PKEY paths.
TEST(KeysTest, PublicKeyInfoMatchesTheKeysEncodingAndHash) {
  for (KeyType type : {KeyType::kEcP256, KeyType::kRsa2048, KeyType::kEd25519}) {
    SCOPED_TRACE(KeyTypeName(type));
    EvpPkeyPtr key = GenerateKey(type).value();
    PublicKeyInfo info = PublicKeyInfoOf(key.get()).value();
    EXPECT_EQ(info.der, PublicKeyToDer(key.get()).value());
    EXPECT_EQ(info.Sha256Hex().value(), PublicKeySha256Hex(key.get()).value());
    EXPECT_EQ(info.key.Label(), DescribeKey(key.get()).value().Label());
  }
}

}  // namespace
}  // namespace svidd::crypto
