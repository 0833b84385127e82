// The one routine every leaf goes through, with a real SQLite ledger, a real test CA and
// openssl's verdict on the chain it hands out.
#include "svidd/issuance/leaf_issuer.h"

#include <gtest/gtest.h>

#include <optional>

#include "absl/strings/match.h"
#include "support/ledger/temp_dir.h"
#include "support/pki/external_verify.h"
#include "svidd/common/clock.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::issuance {
namespace {

using std::chrono::seconds;

class LeafIssuerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ledger = OpenSqliteLedger(dir_.File("ledger.db"));
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    ledger_ = *std::move(ledger);
    auto ca = testing::MakeTestAuthority(now_);
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = *ca;
    auto key = GenerateKey(KeyType::kEcP256);
    ASSERT_TRUE(key.ok()) << key.status();
    key_ = *std::move(key);
    auto profile =
        BuildLeafProfile(SpiffeId::Parse("spiffe://cluster.local/ns/a/sa/b").value(), seconds(3600),
                         TtlPolicy{seconds(3600), seconds(3600)}, now_, ca_->not_after());
    ASSERT_TRUE(profile.ok()) << profile.status();
    profile_.emplace(*std::move(profile));
  }

  IssuanceContext Context() const {
    return {
        CertKind::kWorkload, "spiffe://cluster.local/ns/a/sa/b", "test", "tester", now_, "0abc"};
  }

  testing::TempDir dir_;
  TimePoint now_ = std::chrono::floor<seconds>(SystemClock::Instance().Now());
  std::unique_ptr<Ledger> ledger_;
  std::shared_ptr<const Authority> ca_;
  EvpPkeyPtr key_;
  std::optional<LeafProfile> profile_;  // no default: set in SetUp
};

TEST_F(LeafIssuerTest, IssueLeafRecordsTheCertificateItReturns) {
  auto leaf = IssueLeaf(*ca_, *ledger_, *profile_, key_.get(), Context());
  ASSERT_TRUE(leaf.ok()) << leaf.status();

  absl::StatusOr<CertificateRecord> stored = ledger_->GetCertificate(leaf->certificate.serial_hex);
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
  auto info = PublicKeyInfoOf(key_.get());
  ASSERT_TRUE(info.ok()) << info.status();
  auto from_csr_key = SignLeaf(*ca_, *profile_, &*info, Context());
  auto from_local_key = SignLeaf(*ca_, *profile_, key_.get(), Context());
  ASSERT_TRUE(from_csr_key.ok()) << from_csr_key.status();
  ASSERT_TRUE(from_local_key.ok()) << from_local_key.status();
  EXPECT_EQ(from_csr_key->record.public_key_sha256, from_local_key->record.public_key_sha256);
  // The profile carries the serial: the same profile names the same certificate.
  EXPECT_EQ(from_csr_key->certificate.serial_hex, from_local_key->certificate.serial_hex);
  // SignLeaf writes nothing.
  EXPECT_FALSE(ledger_->GetCertificate(from_csr_key->certificate.serial_hex).ok());
}

TEST_F(LeafIssuerTest, NothingIsReturnedThatTheLedgerDidNotRecord) {
  ledger_.reset();
  SqliteLedgerOptions read_only;
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
