// svidd's own serving certificate, with a real SQLite ledger, a real test CA and a fake clock:
// how many certificates a window of maintenance passes issues.
#include "svidd/ca/serving_identity.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include "support/ledger/temp_dir.h"
#include "support/pki/external_verify.h"
#include "svidd/common/atomic_file.h"
#include "svidd/crypto/ssl_ptr.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::ca {
namespace {

using std::chrono::seconds;

class ServingIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ledger = ledger::OpenSqliteLedger(dir_.File("ledger.db"));
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    ledger_ = *std::move(ledger);
    auto ca = testing::MakeTestAuthority(clock_.Now());
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = *ca;
  }

  // Serving certificates on record, as `svidctl certs list --kind server` counts them.
  int64_t ServerCertificatesIssued() const {
    ledger::CertificateFilter filter;
    filter.kind = ledger::CertKind::kServer;
    return ledger_->CountCertificates(filter).value();
  }

  testing::TempDir dir_;
  FakeClock clock_{std::chrono::floor<seconds>(SystemClock::Instance().Now())};
  std::unique_ptr<ledger::Ledger> ledger_;
  std::shared_ptr<const pki::Authority> ca_;
  metrics::ServerMetrics metrics_;
};

// With a 30 s lifetime (the README's --max-ttl 30s) and svidd's 2-minute backdated NotBefore,
// the certificate lasts until half of its life from issuance: one per 15 s, not one per
// maintenance pass (each second).
TEST_F(ServingIdentityTest, ShortLifetimeRenewsAtHalfLifeFromIssuanceNotEverySecond) {
  ServingIdentity serving({dir_.File("serving"), "cluster.local", {"localhost"}, seconds(30)},
                          *ledger_, clock_, metrics_);
  for (int second = 0; second < 60; ++second) {
    ASSERT_TRUE(serving.EnsureFresh(*ca_).ok());
    clock_.Advance(seconds(1));
  }
  // Issued at 0, 15, 30 and 45 s.
  EXPECT_EQ(ServerCertificatesIssued(), 4);
}

TEST_F(ServingIdentityTest, KeepsTheCertificateUntilHalfLifeThenRenews) {
  ServingIdentity serving({dir_.File("serving"), "cluster.local", {"localhost"}, seconds(3600)},
                          *ledger_, clock_, metrics_);
  ASSERT_TRUE(serving.EnsureFresh(*ca_).ok());
  clock_.Advance(seconds(1799));
  ASSERT_TRUE(serving.EnsureFresh(*ca_).ok());
  EXPECT_EQ(ServerCertificatesIssued(), 1);
  clock_.Advance(seconds(1));
  ASSERT_TRUE(serving.EnsureFresh(*ca_).ok());
  EXPECT_EQ(ServerCertificatesIssued(), 2);
}

// What gRPC's file watcher serves is one file, read with the same OpenSSL calls gRPC uses: its
// first certificate and its private key always belong together, before and after a renewal,
// and only the owner can read it. (Two files, key and chain, were once served mismatched for a
// moment after a renewal: every handshake failed with "Invalid private key".)
TEST_F(ServingIdentityTest, TheServedFileHoldsAMatchingChainAndKeyReadableByTheOwnerOnly) {
  ServingIdentity serving({dir_.File("serving"), "cluster.local", {"localhost"}, seconds(60)},
                          *ledger_, clock_, metrics_);
  // A key.pem from before chain-and-key.pem: removed at the next issuance.
  std::filesystem::create_directory(dir_.File("serving"));
  std::filesystem::permissions(dir_.File("serving"), std::filesystem::perms::owner_all);
  ASSERT_TRUE(WriteFileAtomically(dir_.File("serving") / "key.pem", "old", 0600).ok());
  std::string previous_leaf;
  for (int issued = 1; issued <= 2; ++issued) {
    ASSERT_TRUE(serving.EnsureFresh(*ca_).ok());
    ASSERT_EQ(ServerCertificatesIssued(), issued);
    auto pem = ReadFileToString(serving.credential_path());
    ASSERT_TRUE(pem.ok()) << pem.status();
    crypto::BioPtr for_cert(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
    crypto::X509Ptr leaf(PEM_read_bio_X509(for_cert.get(), nullptr, nullptr, nullptr));
    ASSERT_NE(leaf, nullptr);
    crypto::BioPtr for_key(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
    crypto::EvpPkeyPtr key(PEM_read_bio_PrivateKey(for_key.get(), nullptr, nullptr, nullptr));
    ASSERT_NE(key, nullptr);
    EXPECT_EQ(X509_check_private_key(leaf.get(), key.get()), 1) << "issuance " << issued;
    EXPECT_NE(pem->find("PRIVATE KEY"), std::string::npos);
    // The public copy holds the same chain and no key.
    auto chain = ReadFileToString(serving.chain_path());
    ASSERT_TRUE(chain.ok());
    EXPECT_EQ(chain->find("PRIVATE KEY"), std::string::npos);
    EXPECT_EQ(pem->substr(0, chain->size()), *chain);
    EXPECT_NE(*chain, previous_leaf);
    previous_leaf = *chain;
    struct stat st {};
    ASSERT_EQ(::stat(serving.credential_path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_FALSE(std::filesystem::exists(dir_.File("serving") / "key.pem"));
    clock_.Advance(seconds(31));  // past half-life: the next pass renews
  }
}

}  // namespace
}  // namespace svidd::ca
