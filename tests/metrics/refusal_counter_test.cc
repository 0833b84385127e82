// Refusal reasons from the statuses svidd's modules really produce, and counting them into
// the ledger's hourly table without losing or doubling any.
#include "svidd/metrics/refusal_counter.h"

#include <gtest/gtest.h>

#include "support/fleet/test_data_dir.h"
#include "svidd/common/time_format.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

TEST(RefusalReasonTest, LabelsAreCodeAndCategory) {
  struct Case {
    absl::Status status;
    std::string want;
  };
  const std::vector<Case> cases = {
      {absl::UnauthenticatedError(
           "no credentials: send a client certificate or 'authorization: Bearer <token>'"),
       "unauthenticated/no-credentials"},
      {absl::UnauthenticatedError("token expired at 2025-01-01T00:00:00Z"),
       "unauthenticated/expired-token"},
      {absl::UnauthenticatedError("token audience does not include \"istio-ca\""),
       "unauthenticated/token-audience"},
      {absl::UnauthenticatedError("token issuer \"x\" is not the trusted issuer \"y\""),
       "unauthenticated/token-issuer"},
      {absl::UnauthenticatedError("token signature does not verify"),
       "unauthenticated/token-signature"},
      {absl::UnauthenticatedError("token algorithm \"none\" is not allowed (unsigned token)"),
       "unauthenticated/token-algorithm"},
      {absl::UnauthenticatedError("malformed token: not three parts"), "unauthenticated/token"},
      {absl::UnauthenticatedError("authorization header must be 'Bearer <token>'"),
       "unauthenticated/authorization-header"},
      {absl::UnauthenticatedError("client certificate 0a1b has been revoked"),
       "unauthenticated/revoked-certificate"},
      {absl::UnauthenticatedError("client certificate does not verify: certificate has expired"),
       "unauthenticated/expired-certificate"},
      {absl::UnauthenticatedError("client certificate does not verify: unable to get issuer"),
       "unauthenticated/client-certificate"},
      {absl::InvalidArgumentError("URI SAN: trust domain contains '@'"), "invalid-argument/csr"},
      {absl::PermissionDeniedError("caller a may not be issued b"), "permission-denied/identity"},
      {absl::UnavailableError("CA not ready: no signing authority loaded"),
       "unavailable/ca-not-ready"},
      {absl::UnavailableError("could not record the certificate in the ledger, so it was not "
                              "issued: disk full"),
       "unavailable/ledger"},
      {absl::UnavailableError("svidd is shutting down"), "unavailable/shutting-down"},
      {absl::InternalError("signing failed: x"), "internal/signing"},
      {absl::ResourceExhaustedError("slow down"), "resource-exhausted/other"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.status.ToString());
    EXPECT_EQ(RefusalReason(c.status), c.want);
  }
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
  counter.Count(absl::InvalidArgumentError("bad csr"));
  counter.Count(absl::InvalidArgumentError("worse csr"));
  clock_.Advance(minutes(10));  // 09:03: the next hour
  counter.Count(absl::InvalidArgumentError("bad csr"));
  EXPECT_EQ(counter.pending(), 3);
  ASSERT_TRUE(counter.Flush().ok());
  EXPECT_EQ(counter.pending(), 0);
  counter.Count(absl::InvalidArgumentError("again"));
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
  auto read_only = OpenSqliteLedger(dir_->path() / "ledger.db", {.read_only = true});
  ASSERT_TRUE(read_only.ok()) << read_only.status();
  RefusalCounter counter(**read_only, clock_, metrics_);
  counter.Count(absl::PermissionDeniedError("x"));
  EXPECT_FALSE(counter.Flush().ok());
  counter.Count(absl::PermissionDeniedError("y"));
  EXPECT_EQ(counter.pending(), 2);
}

}  // namespace
}  // namespace svidd
