// The one routine every leaf goes through, with a real SQLite ledger, a real test CA and
// openssl's verdict on the chain it hands out.
#include "svidd/issuance/leaf_issuer.h"

#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "support/ledger/temp_dir.h"
#include "support/pki/external_verify.h"
#include "svidd/common/clock.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::issuance {
namespace {

using std::chrono::seconds;

// "<OID> <critical> <hex of the DER value>" for each extension, in the certificate's order.
std::vector<std::string> ExtensionsDer(const X509* cert) {
  std::vector<std::string> out;
  for (int i = 0; i < X509_get_ext_count(cert); ++i) {
    const X509_EXTENSION* ext = X509_get_ext(cert, i);
    char oid[80];
    OBJ_obj2txt(oid, sizeof(oid), X509_EXTENSION_get_object(const_cast<X509_EXTENSION*>(ext)), 1);
    const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(const_cast<X509_EXTENSION*>(ext));
    std::string hex;
    for (int j = 0; j < ASN1_STRING_length(value); ++j) {
      absl::StrAppend(&hex, absl::Hex(ASN1_STRING_get0_data(value)[j], absl::kZeroPad2));
    }
    out.push_back(absl::StrCat(oid, " ", X509_EXTENSION_get_critical(ext), " ", hex));
  }
  return out;
}

// The DER of the TBSCertificate as signed.
std::string TbsDer(X509* cert) {
  unsigned char* der = nullptr;
  const int length = i2d_re_X509_tbs(cert, &der);
  if (length <= 0) return "";
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return out;
}

class LeafIssuerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ledger = ledger::OpenSqliteLedger(dir_.File("ledger.db"));
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    ledger_ = *std::move(ledger);
    auto ca = testing::MakeTestAuthority(now_);
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = *ca;
    auto key = GenerateKey(crypto::KeyType::kEcP256);
    ASSERT_TRUE(key.ok()) << key.status();
    key_ = *std::move(key);
    auto profile = BuildLeafProfile(
        spiffe::SpiffeId::Parse("spiffe://cluster.local/ns/a/sa/b").value(), seconds(3600),
        pki::TtlPolicy{seconds(3600), seconds(3600)}, now_, ca_->not_after());
    ASSERT_TRUE(profile.ok()) << profile.status();
    profile_.emplace(*std::move(profile));
  }

  IssuanceContext Context() const {
    return {ledger::CertKind::kWorkload,
            "spiffe://cluster.local/ns/a/sa/b",
            "test",
            "tester",
            now_,
            "0abc"};
  }

  testing::TempDir dir_;
  TimePoint now_ = std::chrono::floor<seconds>(SystemClock::Instance().Now());
  std::unique_ptr<ledger::Ledger> ledger_;
  std::shared_ptr<const pki::Authority> ca_;
  crypto::EvpPkeyPtr key_;
  std::optional<pki::LeafProfile> profile_;  // no default: set in SetUp
};

TEST_F(LeafIssuerTest, IssueLeafRecordsTheCertificateItReturns) {
  auto leaf = IssueLeaf(*ca_, *ledger_, *profile_, key_.get(), Context());
  ASSERT_TRUE(leaf.ok()) << leaf.status();

  absl::StatusOr<ledger::CertificateRecord> stored =
      ledger_->GetCertificate(leaf->certificate.serial_hex);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->certificate_pem, leaf->certificate.pem);
  EXPECT_EQ(stored->issuer_serial_hex, ca_->signer_serial_hex());
  EXPECT_EQ(stored->auth_principal, "tester");
  EXPECT_EQ(stored->supersedes_serial_hex, "0abc");
  EXPECT_EQ(stored->serial_hex, leaf->record.serial_hex);

  // The chain handed out is the leaf, then what lies between it and the roots.
  ASSERT_EQ(leaf->chain_pem.size(), 1 + ca_->chain_pem().size());
  EXPECT_EQ(leaf->chain_pem.front(), leaf->certificate.pem);
  EXPECT_EQ(leaf->root_bundle_pem, ca_->root_bundle_pem());
  const std::vector<std::string> intermediates(leaf->chain_pem.begin() + 1, leaf->chain_pem.end());
  EXPECT_TRUE(testing::OpensslVerifyStrict(leaf->certificate.pem, intermediates,
                                           leaf->root_bundle_pem, "sslclient")
                  .ok());
}

TEST_F(LeafIssuerTest, ACsrKeyAndALocalKeyGetTheSameCertificateShape) {
  auto info = crypto::PublicKeyInfoOf(key_.get());
  ASSERT_TRUE(info.ok()) << info.status();
  auto from_csr_key = SignLeaf(*ca_, *profile_, &*info, Context());
  auto from_local_key = SignLeaf(*ca_, *profile_, key_.get(), Context());
  ASSERT_TRUE(from_csr_key.ok()) << from_csr_key.status();
  ASSERT_TRUE(from_local_key.ok()) << from_local_key.status();
  EXPECT_EQ(from_csr_key->record.public_key_sha256, from_local_key->record.public_key_sha256);
  // The profile carries the serial: the same profile names the same certificate.
  EXPECT_EQ(from_csr_key->certificate.serial_hex, from_local_key->certificate.serial_hex);
  auto csr_cert = crypto::ParseCertificatePem(from_csr_key->certificate.pem);
  auto local_cert = crypto::ParseCertificatePem(from_local_key->certificate.pem);
  ASSERT_TRUE(csr_cert.ok() && local_cert.ok());
  // Every extension, in order, with its criticality and DER value (a SAN, key usage, SKI or
  // CRL distribution point that differed between the paths shows here by name).
  const std::vector<std::string> extensions = ExtensionsDer(csr_cert->get());
  EXPECT_EQ(extensions, ExtensionsDer(local_cert->get()));
  EXPECT_GE(extensions.size(), 5u) << "basicConstraints, keyUsage, extKeyUsage, SKI, AKI, SAN";
  EXPECT_EQ(crypto::UriSans(csr_cert->get()), crypto::UriSans(local_cert->get()));
  EXPECT_EQ(crypto::UriSans(csr_cert->get()),
            std::vector<std::string>{"spiffe://cluster.local/ns/a/sa/b"});
  EXPECT_EQ(crypto::DnsSans(csr_cert->get()), crypto::DnsSans(local_cert->get()));
  EXPECT_EQ(crypto::NotBefore(csr_cert->get()), crypto::NotBefore(local_cert->get()));
  EXPECT_EQ(crypto::NotAfter(csr_cert->get()), crypto::NotAfter(local_cert->get()));
  EXPECT_EQ(crypto::SubjectString(csr_cert->get()), crypto::SubjectString(local_cert->get()));
  // And so the whole to-be-signed part: only the signature (ECDSA draws a nonce) may differ.
  EXPECT_EQ(TbsDer(csr_cert->get()), TbsDer(local_cert->get()));
  // SignLeaf writes nothing.
  EXPECT_FALSE(ledger_->GetCertificate(from_csr_key->certificate.serial_hex).ok());
}

TEST_F(LeafIssuerTest, NothingIsReturnedThatTheLedgerDidNotRecord) {
  ledger_.reset();
  ledger::SqliteLedgerOptions read_only;
  read_only.read_only = true;
  auto ledger = OpenSqliteLedger(dir_.File("ledger.db"), read_only);
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  auto leaf = IssueLeaf(*ca_, **ledger, *profile_, key_.get(), Context());
  EXPECT_FALSE(leaf.ok());
}

TEST_F(LeafIssuerTest, ASigningFailureSaysSo) {
  const EVP_PKEY* no_key = nullptr;
  auto leaf = SignLeaf(*ca_, *profile_, no_key, Context());
  ASSERT_FALSE(leaf.ok());
  EXPECT_EQ(leaf.status().code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(absl::StartsWith(leaf.status().message(), "signing failed: ")) << leaf.status();
}

}  // namespace
}  // namespace svidd::issuance
