// LISTEN/NOTIFY on a real PostgreSQL: a revocation committed through one ledger handle (another
// replica, or svidctl) wakes a listener on another connection; an issuance does not.
#include "svidd/ledger/revocation_listener.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "ledger/ledger_test_util.h"
#include "support/postgres/postgres_server.h"
#include "svidd/ledger/postgres_ledger.h"

namespace svidd::ledger {
namespace {

using ::svidd::testing::kBaseUnix;
using ::svidd::testing::MakeRecord;

class Wakeups {
 public:
  void Notify() {
    std::lock_guard<std::mutex> lock(mu_);
    ++count_;
    cv_.notify_all();
  }
  // Waits (at most `timeout`) for the count to exceed `seen`; the count.
  int WaitAbove(int seen, std::chrono::seconds timeout = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return count_ > seen; });
    return count_;
  }
  int count() {
    std::lock_guard<std::mutex> lock(mu_);
    return count_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;
};

TEST(RevocationListenerTest, ACommittedRevocationWakesTheListener) {
  absl::StatusOr<std::string> uri = ::svidd::testing::FreshPostgresDatabase();
  ASSERT_TRUE(uri.ok()) << uri.status();
  auto writer = OpenPostgresLedger(*uri);
  ASSERT_TRUE(writer.ok()) << writer.status();
  Wakeups wakeups;
  auto listener = ListenForRevocations(*uri, [&] { wakeups.Notify(); });
  ASSERT_TRUE(listener.ok()) << listener.status();

  ASSERT_TRUE((*writer)->RecordIssuance(MakeRecord("0a")).ok());
  ASSERT_TRUE((*writer)->RecordIssuance(MakeRecord("0b")).ok());
  ASSERT_TRUE(
      (*writer)->RevokeCertificate("0a", "key compromise", FromUnixSeconds(kBaseUnix)).ok());
  EXPECT_GE(wakeups.WaitAbove(0), 1) << "no notification within 10 s of the revocation";
  // The issuances before it sent nothing: a round trip after the revocation's notification
  // would have delivered theirs first.
  EXPECT_EQ(wakeups.count(), 1);
}

TEST(RevocationListenerTest, UnreachableLedgerIsNamedWithoutItsPassword) {
  auto listener =
      ListenForRevocations("postgresql://svidd:s3cret@127.0.0.1:1/svidd?connect_timeout=2", [] {});
  ASSERT_FALSE(listener.ok());
  EXPECT_EQ(listener.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(std::string(listener.status().message()).find("s3cret"), std::string::npos)
      << listener.status();
  EXPECT_NE(std::string(listener.status().message()).find("127.0.0.1:1"), std::string::npos)
      << listener.status();
}

}  // namespace
}  // namespace svidd::ledger
