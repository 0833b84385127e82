// svidd's own serving certificate, with a real SQLite ledger, a real test CA and a fake clock:
// how many certificates a window of maintenance passes issues.
#include "ca/serving_identity.h"

#include <gtest/gtest.h>

#include "support/ledger/temp_dir.h"
#include "support/pki/external_verify.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd {
namespace {

using std::chrono::seconds;

class ServingIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ledger = OpenSqliteLedger(dir_.File("ledger.db"));
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    ledger_ = *std::move(ledger);
    auto ca = testing::MakeTestAuthority(clock_.Now());
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = *ca;
  }

  // Serving certificates on record, as `svidctl certs list --kind server` counts them.
  int64_t ServerCertificatesIssued() const {
    CertificateFilter filter;
    filter.kind = CertKind::kServer;
    return ledger_->CountCertificates(filter).value();
  }

  testing::TempDir dir_;
  FakeClock clock_{std::chrono::floor<seconds>(SystemClock::Instance().Now())};
  std::unique_ptr<Ledger> ledger_;
  std::shared_ptr<const Authority> ca_;
  ServerMetrics metrics_;
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

}  // namespace
}  // namespace svidd
