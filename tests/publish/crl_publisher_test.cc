#include "svidd/publish/crl_publisher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include "support/pki/external_verify.h"
#include "support/pki/test_cert_builder.h"
#include "svidd/common/atomic_file.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/issuance/record_builder.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::publish {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using AuthorityList = std::vector<std::shared_ptr<const pki::Authority>>;

std::vector<std::string> Listed(const pki::Crl& crl) {
  std::vector<std::string> out;
  for (const pki::RevokedCertificate& entry : crl.revoked) out.push_back(entry.serial_hex);
  return out;
}

// A real SQLite ledger in a temp dir, real test CAs, and a fake clock that starts at the real
// time (so that openssl accepts the CRLs).
class CrlPublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/svidd-crl-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    ca_dir_ = dir_ / "ca";
    ASSERT_TRUE(EnsureDirectory(ca_dir_).ok());
    auto ledger = ledger::OpenSqliteLedger(dir_ / "ledger.db");
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    ledger_ = *std::move(ledger);
    cas_ = {MakeCa()};
  }
  void TearDown() override {
    ledger_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::shared_ptr<const pki::Authority> MakeCa() {
    auto ca = testing::MakeTestAuthority(clock_.Now());
    EXPECT_TRUE(ca.ok()) << ca.status();
    return ca.ok() ? *ca : nullptr;
  }

  std::unique_ptr<CrlPublisher> MakePublisher(std::chrono::seconds validity = hours(24),
                                              const Clock* clock = nullptr) {
    auto publisher = CrlPublisher::Create(
        CrlPublisherOptions{ca_dir_, validity}, [this] { return cas_; }, *ledger_,
        clock != nullptr ? *clock : clock_);
    EXPECT_TRUE(publisher.ok()) << publisher.status();
    return publisher.ok() ? *std::move(publisher) : nullptr;
  }

  // A workload certificate from `ca`, on record in the ledger.
  pki::IssuedCertificate Issue(const pki::Authority& ca) {
    auto id = spiffe::SpiffeId::Parse("spiffe://cluster.local/ns/default/sa/web").value();
    auto profile = BuildLeafProfile(id, hours(1), pki::TtlPolicy{}, clock_.Now(), ca.not_after());
    crypto::EvpPkeyPtr key = GenerateKey(crypto::KeyType::kEcP256).value();
    auto issued = ca.SignLeaf(profile.value(), key.get());
    EXPECT_TRUE(issued.ok()) << issued.status();
    issuance::IssuanceContext context{ledger::CertKind::kWorkload, id.str(), "test", "test",
                                      clock_.Now()};
    auto record = issuance::BuildCertificateRecord(*issued, ca, context);
    EXPECT_TRUE(record.ok()) << record.status();
    EXPECT_TRUE(ledger_->RecordIssuance(*std::move(record)).ok());
    return *std::move(issued);
  }

  std::string CaCrlPem() const { return ReadFileToString(ca_dir_ / "ca-crl.pem").value_or(""); }

  FakeClock clock_{SystemClock::Instance().Now()};
  std::filesystem::path dir_, ca_dir_;
  std::unique_ptr<ledger::Ledger> ledger_;
  AuthorityList cas_;
};

TEST_F(CrlPublisherTest, RefreshPublishesASignedCrlAndWritesCaCrlPem) {
  auto publisher = MakePublisher();
  ASSERT_NE(publisher, nullptr);
  EXPECT_EQ(publisher->version(), 0u) << "nothing before the first Refresh";
  ASSERT_TRUE(publisher->Refresh().ok());
  std::shared_ptr<const CrlSet> set = publisher->Current();
  ASSERT_EQ(set->crls().size(), 1u);
  const pki::Crl& crl = *set->crls()[0];
  EXPECT_EQ(crl.issuer_serial_hex, cas_[0]->signer_serial_hex());
  EXPECT_EQ(crl.this_update, std::chrono::floor<std::chrono::seconds>(clock_.Now()));
  EXPECT_EQ(crl.next_update, crl.this_update + hours(24));
  EXPECT_EQ(set->version(), crl.number);
  EXPECT_EQ(set->ForIssuer(cas_[0]->signer_serial_hex()), set->crls()[0]);
  EXPECT_EQ(set->ForIssuer("00"), nullptr);
  EXPECT_THAT(set->Der(), ElementsAre(crl.der));
  EXPECT_EQ(CaCrlPem(), crl.pem);
  absl::Status verified = testing::OpensslCrlVerify(CaCrlPem(), cas_[0]->chain_pem().front());
  EXPECT_TRUE(verified.ok()) << verified;
}

TEST_F(CrlPublisherTest, PollFindsARevocationWrittenThroughAnotherLedgerHandle) {
  pki::IssuedCertificate revoked = Issue(*cas_[0]);
  pki::IssuedCertificate kept = Issue(*cas_[0]);
  auto publisher = MakePublisher();
  ASSERT_NE(publisher, nullptr);
  ASSERT_TRUE(publisher->Refresh().ok());
  const uint64_t before = publisher->version();
  EXPECT_TRUE(publisher->Current()->crls()[0]->revoked.empty());

  // What `svidctl certs revoke` does: its own connection to the same ledger file.
  auto operator_ledger = ledger::OpenSqliteLedger(dir_ / "ledger.db");
  ASSERT_TRUE(operator_ledger.ok()) << operator_ledger.status();
  ASSERT_TRUE((*operator_ledger)
                  ->RevokeCertificate(revoked.serial_hex, "key compromise", clock_.Now())
                  .ok());
  ASSERT_TRUE(publisher->Poll().ok());

  EXPECT_GT(publisher->version(), before);
  const pki::Crl& crl = *publisher->Current()->crls()[0];
  ASSERT_THAT(Listed(crl), ElementsAre(revoked.serial_hex));
  EXPECT_EQ(crl.revoked[0].reason, pki::RevocationReason::kKeyCompromise);
  EXPECT_EQ(CaCrlPem(), crl.pem);
  const pki::Authority& ca = *cas_[0];
  absl::Status refused =
      testing::OpensslVerifyWithCrl(revoked.pem, ca.chain_pem(), ca.root_bundle_pem(), CaCrlPem());
  EXPECT_THAT(std::string(refused.message()), HasSubstr("certificate revoked"));
  absl::Status accepted =
      testing::OpensslVerifyWithCrl(kept.pem, ca.chain_pem(), ca.root_bundle_pem(), CaCrlPem());
  EXPECT_TRUE(accepted.ok()) << accepted;
}

TEST_F(CrlPublisherTest, PollSignsNothingWhenNothingChanged) {
  Issue(*cas_[0]);
  auto publisher = MakePublisher();
  ASSERT_NE(publisher, nullptr);
  ASSERT_TRUE(publisher->Refresh().ok());
  std::shared_ptr<const CrlSet> first = publisher->Current();
  clock_.Advance(hours(1));
  ASSERT_TRUE(publisher->Poll().ok());
  ASSERT_TRUE(publisher->Poll().ok());
  EXPECT_EQ(publisher->Current(), first) << "the same generation, not a re-signed copy";
}

TEST_F(CrlPublisherTest, RebuildsAtHalfItsValidity) {
  auto publisher = MakePublisher(hours(2));
  ASSERT_NE(publisher, nullptr);
  ASSERT_TRUE(publisher->Refresh().ok());
  std::shared_ptr<const CrlSet> first = publisher->Current();
  clock_.Advance(minutes(59));
  ASSERT_TRUE(publisher->Poll().ok());
  EXPECT_EQ(publisher->Current(), first);
  clock_.Advance(minutes(1));
  ASSERT_TRUE(publisher->Poll().ok());
  std::shared_ptr<const CrlSet> second = publisher->Current();
  ASSERT_NE(second, first);
  EXPECT_GT(second->version(), first->version());
  const pki::Crl& crl = *second->crls()[0];
  EXPECT_EQ(crl.this_update, std::chrono::floor<std::chrono::seconds>(clock_.Now()));
  EXPECT_EQ(crl.next_update, crl.this_update + hours(2));
  EXPECT_GT(crl.number, first->crls()[0]->number);
  EXPECT_EQ(CaCrlPem(), crl.pem);
}

TEST_F(CrlPublisherTest, CrlNumbersGrowAcrossRestartsEvenWhenTheClockGoesBack) {
  uint64_t before = 0;
  {
    auto publisher = MakePublisher();
    ASSERT_NE(publisher, nullptr);
    ASSERT_TRUE(publisher->Refresh().ok());
    ASSERT_TRUE(publisher->Refresh().ok());
    before = publisher->Current()->crls()[0]->number;
  }
  FakeClock earlier(clock_.Now() - hours(24 * 30));
  auto restarted = MakePublisher(hours(24), &earlier);
  ASSERT_NE(restarted, nullptr);
  ASSERT_TRUE(restarted->Refresh().ok());
  EXPECT_GT(restarted->Current()->crls()[0]->number, before);
  EXPECT_EQ(pki::CrlNumber(crypto::ParseCrlsPem(CaCrlPem()).value()[0].get()),
            restarted->Current()->crls()[0]->number);
}

TEST_F(CrlPublisherTest, EachIssuerListsOnlyWhatItIssued) {
  cas_.push_back(MakeCa());
  pki::IssuedCertificate from_first = Issue(*cas_[0]);
  pki::IssuedCertificate from_second = Issue(*cas_[1]);
  ASSERT_TRUE(ledger_->RevokeCertificate(from_first.serial_hex, "superseded", clock_.Now()).ok());
  ASSERT_TRUE(ledger_->RevokeCertificate(from_second.serial_hex, "", clock_.Now()).ok());
  auto publisher = MakePublisher();
  ASSERT_NE(publisher, nullptr);
  ASSERT_TRUE(publisher->Refresh().ok());
  std::shared_ptr<const CrlSet> both = publisher->Current();
  ASSERT_EQ(both->crls().size(), 2u);
  auto first = both->ForIssuer(cas_[0]->signer_serial_hex());
  auto second = both->ForIssuer(cas_[1]->signer_serial_hex());
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_THAT(Listed(*first), ElementsAre(from_first.serial_hex));
  EXPECT_THAT(Listed(*second), ElementsAre(from_second.serial_hex));
  EXPECT_EQ(second->revoked[0].reason, std::nullopt);
  auto on_disk = crypto::ParseCrlsPem(CaCrlPem());
  ASSERT_TRUE(on_disk.ok()) << on_disk.status();
  EXPECT_EQ(on_disk->size(), 2u);
  EXPECT_TRUE(testing::OpensslCrlVerify(second->pem, cas_[1]->chain_pem().front()).ok());

  cas_.pop_back();  // the previous CA's leaves have all expired
  ASSERT_TRUE(publisher->Poll().ok());
  EXPECT_EQ(publisher->Current()->crls().size(), 1u);
  EXPECT_EQ(publisher->Current()->crls()[0], first) << "the remaining CRL is not re-signed";
  EXPECT_GT(publisher->version(), both->version());
  EXPECT_EQ(crypto::ParseCrlsPem(CaCrlPem()).value().size(), 1u);
}

TEST_F(CrlPublisherTest, ListenersHearEveryNewVersion) {
  pki::IssuedCertificate leaf = Issue(*cas_[0]);
  auto publisher = MakePublisher();
  ASSERT_NE(publisher, nullptr);
  std::vector<uint64_t> heard;
  publisher->AddListener([&](uint64_t version) { heard.push_back(version); });
  ASSERT_TRUE(publisher->Refresh().ok());
  ASSERT_TRUE(publisher->Poll().ok());  // no change: no call
  ASSERT_TRUE(ledger_->RevokeCertificate(leaf.serial_hex, "", clock_.Now()).ok());
  ASSERT_TRUE(publisher->Refresh().ok());
  ASSERT_EQ(heard.size(), 2u);
  EXPECT_LT(heard[0], heard[1]);
  EXPECT_EQ(heard[1], publisher->version());
}

TEST_F(CrlPublisherTest, ACaThatCannotSignCrlsDoesNotStopTheOthers) {
  // An operator's CA whose keyUsage lacks cRLSign: it can sign leaves, but not CRLs.
  auto root = testing::MakeTestCert(testing::CaOptions("root", clock_.Now()));
  ASSERT_TRUE(root.ok()) << root.status();
  testing::TestCertOptions signer_options = testing::CaOptions("no cRLSign", clock_.Now());
  signer_options.key_usage = "critical,keyCertSign";
  auto signer = testing::MakeTestCert(signer_options, &*root);
  ASSERT_TRUE(signer.ok()) << signer.status();
  pki::CaMaterial material;
  material.signing_cert = std::move(signer->cert);
  material.signing_key = std::move(signer->key);
  material.roots.push_back(std::move(root->cert));
  auto no_crl_sign = pki::Authority::Create(std::move(material));
  ASSERT_TRUE(no_crl_sign.ok()) << no_crl_sign.status();
  cas_.push_back(*no_crl_sign);

  auto publisher = MakePublisher();
  ASSERT_NE(publisher, nullptr);
  absl::Status status = publisher->Refresh();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()), HasSubstr("cRLSign"));
  EXPECT_EQ(publisher->last_status(), status);
  ASSERT_EQ(publisher->Current()->crls().size(), 1u);
  EXPECT_EQ(publisher->Current()->crls()[0]->issuer_serial_hex, cas_[0]->signer_serial_hex());
  EXPECT_EQ(crypto::ParseCrlsPem(CaCrlPem()).value().size(), 1u);
}

TEST_F(CrlPublisherTest, AFailedWriteIsRetriedAndTheCrlStillPublished) {
  std::filesystem::remove_all(ca_dir_);  // e.g. a directory that is not there (yet)
  auto publisher = MakePublisher();
  ASSERT_NE(publisher, nullptr);
  EXPECT_FALSE(publisher->Refresh().ok());
  EXPECT_EQ(publisher->Current()->crls().size(), 1u) << "served from memory all the same";
  ASSERT_TRUE(EnsureDirectory(ca_dir_).ok());
  EXPECT_TRUE(publisher->Poll().ok());
  EXPECT_TRUE(publisher->last_status().ok());
  EXPECT_EQ(CaCrlPem(), publisher->Current()->Pem());
}

TEST(CrlPublisherOptionsTest, RefusesNonPositiveValidity) {
  auto ledger = ledger::OpenSqliteLedger(":memory:");
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  auto publisher = CrlPublisher::Create(
      CrlPublisherOptions{"", std::chrono::seconds(0)}, [] { return AuthorityList{}; }, **ledger,
      SystemClock::Instance());
  EXPECT_EQ(publisher.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace svidd::publish
