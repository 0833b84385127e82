// Refusal reasons from the statuses svidd's modules really produce, and counting them into
// the ledger's hourly table without losing or doubling any.
#include "svidd/metrics/refusal_counter.h"

#include <gtest/gtest.h>

#include "support/fleet/test_data_dir.h"
#include "svidd/auth/identity_policy.h"
#include "svidd/common/refusal.h"
#include "svidd/common/time_format.h"
#include "svidd/ledger/sqlite_ledger.h"
#include "svidd/pki/csr_validator.h"

namespace svidd::metrics {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

// The label is the code the caller saw and the reason the status carries, whatever its
// message says: a message alone never classifies a refusal.
TEST(RefusalReasonTest, LabelsAreCodeAndTheReasonCarried) {
  struct Case {
    absl::Status status;
    std::string want;
  };
  const std::vector<Case> cases = {
      {Refuse(Refusal::kExpiredToken, "token expired at 2025-01-01T00:00:00Z"),
       "unauthenticated/expired-token"},
      {Refuse(Refusal::kRevokedCertificate, "client certificate 0a1b has been revoked"),
       "unauthenticated/revoked-certificate"},
      {Refuse(Refusal::kCsr, "URI SAN: trust domain contains '@'"), "invalid-argument/csr"},
      {Refuse(Refusal::kCaNotReady, "CA not ready: no signing authority loaded"),
       "unavailable/ca-not-ready"},
      {Refuse(Refusal::kQueueFull, "busy"), "resource-exhausted/queue-full"},
      {WithRefusal(absl::InternalError("no randomness"), Refusal::kProfile), "internal/profile"},
      // The messages the old text matching knew, without a reason: not classified.
      {absl::UnauthenticatedError("token expired at 2025-01-01T00:00:00Z"),
       "unauthenticated/other"},
      {absl::UnavailableError("CA not ready: no signing authority loaded"), "unavailable/other"},
      // Labelled with the gRPC code the caller saw (ToGrpcStatus), not absl's.
      {absl::AbortedError("x"), "internal/other"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.status.ToString());
    EXPECT_EQ(RefusalReason(c.status), c.want);
  }
}

// Statuses as svidd's modules make them carry their reasons to the counter.
TEST(RefusalReasonTest, ModulesAttachTheirReasons) {
  EXPECT_EQ(RefusalReason(ValidateCsr("hello", pki::CsrLimits{}).status()), "invalid-argument/csr");
  auto caller =
      auth::CallerIdentity{spiffe::SpiffeId::Parse("spiffe://td/ns/a/sa/b").value(),
                           auth::AuthMethod::kKubernetesToken, "system:serviceaccount:a:b"};
  EXPECT_EQ(
      RefusalReason(AuthorizeIdentity(caller, spiffe::SpiffeId::Parse("spiffe://td/x").value())),
      "permission-denied/identity");
}

class RefusalCounterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = testing::TestDataDir::Create(clock_.Now());
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = std::move(*dir);
  }
  FakeClock clock_{FromUnixSeconds(1'760'000'000)};  // 08:53:20
  std::unique_ptr<testing::TestDataDir> dir_;
  ServerMetrics metrics_;
};

TEST_F(RefusalCounterTest, CountsPerHourAndReasonAddUpAcrossFlushes) {
  RefusalCounter counter(dir_->ledger(), clock_, metrics_);
  counter.Count(absl::OkStatus());  // not a refusal
  counter.Count(Refuse(Refusal::kCsr, "bad csr"));
  counter.Count(Refuse(Refusal::kCsr, "worse csr"));
  clock_.Advance(minutes(10));  // 09:03: the next hour
  counter.Count(Refuse(Refusal::kCsr, "bad csr"));
  EXPECT_EQ(counter.pending(), 3);
  ASSERT_TRUE(counter.Flush().ok());
  EXPECT_EQ(counter.pending(), 0);
  counter.Count(Refuse(Refusal::kCsr, "again"));
  ASSERT_TRUE(counter.Flush().ok());
  ASSERT_TRUE(counter.Flush().ok());  // nothing pending: nothing written

  auto rows = dir_->ledger().ListRefusalCounts(clock_.Now() - hours(2));
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].hour, FromUnixSeconds(1'760'000'000 - 3200));  // 08:00
  EXPECT_EQ((*rows)[0].count, 2);
  EXPECT_EQ((*rows)[1].reason, "invalid-argument/csr");
  EXPECT_EQ((*rows)[1].count, 2);
}

TEST_F(RefusalCounterTest, AFailedFlushKeepsTheCounts) {
  auto read_only = ledger::OpenSqliteLedger(dir_->path() / "ledger.db", {.read_only = true});
  ASSERT_TRUE(read_only.ok()) << read_only.status();
  RefusalCounter counter(**read_only, clock_, metrics_);
  counter.Count(absl::PermissionDeniedError("x"));
  EXPECT_FALSE(counter.Flush().ok());
  counter.Count(absl::PermissionDeniedError("y"));
  EXPECT_EQ(counter.pending(), 2);
}

}  // namespace
}  // namespace svidd::metrics
