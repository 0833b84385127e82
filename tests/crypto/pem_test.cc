#include "svidd/crypto/pem.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/pem.h>

#include "crypto/test_certificate.h"
#include "support/pki/csr_builder.h"
#include "svidd/crypto/keys.h"

namespace svidd::crypto {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

X509Ptr MakeCert(const std::string& cn, EVP_PKEY* key) {
  testing::CertSpec spec;
  spec.common_name = cn;
  auto cert = testing::MakeCertificate(spec, key);
  EXPECT_TRUE(cert.ok()) << cert.status();
  return std::move(cert).value();
}

class PemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = GenerateKey(KeyType::kEcP256).value();
    a_ = MakeCert("a", key_.get());
    b_ = MakeCert("b", key_.get());
  }
  EvpPkeyPtr key_;
  X509Ptr a_, b_;
};

TEST_F(PemTest, CertificateRoundTripsThroughPemAndDer) {
  std::string pem = CertificateToPem(a_.get()).value();
  EXPECT_THAT(pem, StartsWith("-----BEGIN CERTIFICATE-----\n"));
  auto parsed = ParseCertificatePem(pem);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(X509_cmp(parsed->get(), a_.get()), 0);

  std::string der = CertificateToDer(a_.get()).value();
  auto from_der = ParseCertificateDer(der);
  ASSERT_TRUE(from_der.ok()) << from_der.status();
  EXPECT_EQ(X509_cmp(from_der->get(), a_.get()), 0);
}

TEST_F(PemTest, ChainKeepsOrderAndEachBlockEndsInNewline) {
  std::string pem = CertificatesToPem({a_.get(), b_.get()}).value();
  EXPECT_EQ(pem, CertificateToPem(a_.get()).value() + CertificateToPem(b_.get()).value());
  EXPECT_EQ(pem.back(), '\n');
  auto certs = ParseCertificatesPem("leading text\n" + pem);
  ASSERT_TRUE(certs.ok()) << certs.status();
  ASSERT_EQ(certs->size(), 2u);
  EXPECT_EQ(X509_cmp((*certs)[0].get(), a_.get()), 0);
  EXPECT_EQ(X509_cmp((*certs)[1].get(), b_.get()), 0);
}

TEST_F(PemTest, SingleCertificateParserRefusesTwo) {
  std::string pem = CertificatesToPem({a_.get(), b_.get()}).value();
  auto parsed = ParseCertificatePem(pem);
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(parsed.status().message(), HasSubstr("exactly one certificate, found 2"));
}

TEST_F(PemTest, CertificateBlobRefusesOtherBlockTypes) {
  std::string pem = CertificateToPem(a_.get()).value() + PrivateKeyToPkcs8Pem(key_.get()).value();
  auto certs = ParseCertificatesPem(pem);
  EXPECT_EQ(certs.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(certs.status().message(), HasSubstr("found 'PRIVATE KEY'"));
}

TEST_F(PemTest, RefusesEmptyAndGarbage) {
  for (const std::string input : {"", "hello", "-----BEGIN CERTIFICATE-----\n!!!\n"}) {
    SCOPED_TRACE(input);
    auto certs = ParseCertificatesPem(input);
    EXPECT_EQ(certs.status().code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_THAT(ParseCertificatesPem("hello").status().message(), HasSubstr("no PEM block"));
}

TEST_F(PemTest, DerWithTrailingBytesIsRefused) {
  std::string der = CertificateToDer(a_.get()).value() + "x";
  auto parsed = ParseCertificateDer(der);
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(parsed.status().message(), HasSubstr("1 trailing bytes"));
}

TEST_F(PemTest, ShareCertificateAddsAReference) {
  std::string der = CertificateToDer(a_.get()).value();
  X509Ptr shared = ShareCertificate(a_.get());
  EXPECT_EQ(shared.get(), a_.get());
  a_.reset();  // the shared reference keeps it alive
  EXPECT_EQ(CertificateToDer(shared.get()).value(), der);
}

TEST(PemCsrTest, ParsesBothRequestLabelsAndRefusesOthers) {
  auto csr = testing::BuildIstioCsr("spiffe://td/ns/a/sa/b");
  ASSERT_TRUE(csr.ok()) << csr.status();
  EXPECT_TRUE(ParseCsrPem(csr->pem).ok());

  std::string old = csr->pem;
  for (size_t p = old.find("CERTIFICATE REQUEST"); p != std::string::npos;
       p = old.find("CERTIFICATE REQUEST", p + 24)) {
    old.replace(p, 19, "NEW CERTIFICATE REQUEST");
  }
  ASSERT_THAT(old, HasSubstr("BEGIN NEW CERTIFICATE REQUEST"));
  auto parsed_old = ParseCsrPem(old);
  ASSERT_TRUE(parsed_old.ok()) << parsed_old.status();
  EXPECT_EQ(CsrToPem(parsed_old->get()).value(), csr->pem);

  auto two = ParseCsrPem(csr->pem + csr->pem);
  EXPECT_THAT(two.status().message(), HasSubstr("exactly one PEM block, found 2"));
  auto key = ParseCsrPem(PrivateKeyToPkcs8Pem(csr->key.get()).value());
  EXPECT_THAT(key.status().message(), HasSubstr("found 'PRIVATE KEY'"));
}

TEST(PemKeyTest, PrivateKeysRoundTripForEveryKeyType) {
  for (KeyType type : {KeyType::kEcP256, KeyType::kEcP384, KeyType::kRsa2048, KeyType::kEd25519}) {
    SCOPED_TRACE(KeyTypeName(type));
    EvpPkeyPtr key = GenerateKey(type).value();
    std::string pem = PrivateKeyToPkcs8Pem(key.get()).value();
    EXPECT_THAT(pem, StartsWith("-----BEGIN PRIVATE KEY-----\n"));
    auto parsed = ParsePrivateKeyPem(pem);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(EVP_PKEY_eq(parsed->get(), key.get()), 1);
    EXPECT_EQ(PrivateKeyToPkcs8Der(parsed->get()).value(), PrivateKeyToPkcs8Der(key.get()).value());
    EXPECT_EQ(PublicKeyToDer(parsed->get()).value(), PublicKeyToDer(key.get()).value());
  }
}

TEST(PemKeyTest, TraditionalEcKeyIsAccepted) {
  EvpPkeyPtr key = GenerateKey(KeyType::kEcP256).value();
  BioPtr bio(BIO_new(BIO_s_mem()));
  ASSERT_EQ(PEM_write_bio_PrivateKey_traditional(bio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                                 nullptr),
            1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  std::string pem(data, len);
  ASSERT_THAT(pem, StartsWith("-----BEGIN EC PRIVATE KEY-----"));
  auto parsed = ParsePrivateKeyPem(pem);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(EVP_PKEY_eq(parsed->get(), key.get()), 1);
}

TEST(PemKeyTest, EncryptedKeyIsRefusedWithoutPrompting) {
  EvpPkeyPtr key = GenerateKey(KeyType::kEcP256).value();
  BioPtr bio(BIO_new(BIO_s_mem()));
  char password[] = "secret";
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio.get(), key.get(), EVP_aes_256_cbc(), password, 6,
                                          nullptr, nullptr),
            1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  auto parsed = ParsePrivateKeyPem(std::string(data, len));
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(parsed.status().message(), HasSubstr("cannot parse unencrypted PEM private key"));
}

}  // namespace
}  // namespace svidd::crypto
