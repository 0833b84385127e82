// Leases on a real ledger (a SQLite file, and a PostgreSQL database), with two "replicas" (each its
// own LeaseStore connection and LeaderLease) and a fake clock: one holder at a time, renewal,
// takeover once a dead holder's lease lapses (and not before), release at shutdown, and the term
// that counts hand-overs.
#include "svidd/ledger/leader_lease.h"

#include <gtest/gtest.h>

#include "ledger/ledger_engine.h"
#include "ledger/ledger_test_util.h"
#include "svidd/ledger/lease_store.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::ledger {
namespace {

using std::chrono::seconds;
using ::svidd::testing::EngineTest;
using ::svidd::testing::kBaseUnix;

constexpr char kName[] = "ledger-checkpoints";

struct Replica {
  std::unique_ptr<LeaseStore> store;
  std::unique_ptr<LeaderLease> lease;
};

class LeaderLeaseTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    ASSERT_NE(Open(), nullptr);  // creates the store and migrates it
  }

  absl::StatusOr<std::unique_ptr<LeaseStore>> OpenStore() {
    return postgres() ? OpenPostgresLeaseStore(location()) : OpenSqliteLeaseStore(location());
  }

  Replica Start(const std::string& holder, seconds ttl = seconds(15), seconds margin = seconds(5)) {
    Replica r;
    auto store = OpenStore();
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return r;
    r.store = std::move(*store);
    auto lease = LeaderLease::Create(*r.store, clock_, {kName, holder, ttl, margin});
    EXPECT_TRUE(lease.ok()) << lease.status();
    if (lease.ok()) r.lease = std::move(*lease);
    return r;
  }

  FakeClock clock_{FromUnixSeconds(kBaseUnix)};
};

TEST_P(LeaderLeaseTest, OneHolderAtATimeAndTheHolderKeepsItByRenewing) {
  Replica a = Start("a");
  Replica b = Start("b");
  ASSERT_TRUE(a.lease && b.lease);
  EXPECT_TRUE(a.lease->Tick().value());
  EXPECT_FALSE(b.lease->Tick().value());
  EXPECT_TRUE(a.lease->Held());
  EXPECT_FALSE(b.lease->Held());
  EXPECT_EQ(a.lease->term(), 1);
  // Renewed every few seconds, a's lease never lapses, however long this goes on.
  for (int i = 0; i < 20; ++i) {
    clock_.Advance(seconds(5));
    EXPECT_TRUE(a.lease->Tick().value()) << "renewal " << i;
    EXPECT_FALSE(b.lease->Tick().value()) << "renewal " << i;
  }
  EXPECT_EQ(a.lease->term(), 1) << "renewals are not hand-overs";
}

TEST_P(LeaderLeaseTest, AnotherReplicaTakesOverOnlyOnceADeadHoldersLeaseLapses) {
  Replica a = Start("a");
  Replica b = Start("b");
  ASSERT_TRUE(a.lease && b.lease);
  ASSERT_TRUE(a.lease->Tick().value());
  // a dies (stops ticking). Its own claim ends at ttl - margin; the database's at ttl.
  clock_.Advance(seconds(10));
  EXPECT_FALSE(a.lease->Held()) << "a gives up its claim before anyone may take it";
  EXPECT_FALSE(b.lease->Tick().value());
  clock_.Advance(seconds(4));
  EXPECT_FALSE(b.lease->Tick().value()) << "1 s before expiry";
  clock_.Advance(seconds(1));
  EXPECT_TRUE(b.lease->Tick().value()) << "at expiry";
  EXPECT_EQ(b.lease->term(), 2);
  // a comes back: it does not get the lease back while b renews.
  EXPECT_FALSE(a.lease->Tick().value());
  EXPECT_FALSE(a.lease->Held());
  EXPECT_EQ(a.lease->term(), 0);
}

TEST_P(LeaderLeaseTest, ReleaseHandsTheLeaseOverAtOnce) {
  Replica a = Start("a");
  Replica b = Start("b");
  ASSERT_TRUE(a.lease && b.lease);
  ASSERT_TRUE(a.lease->Tick().value());
  ASSERT_TRUE(a.lease->Release().ok());
  EXPECT_FALSE(a.lease->Held());
  EXPECT_TRUE(b.lease->Tick().value()) << "no wait for the ttl after a release";
  EXPECT_EQ(b.lease->term(), 2);
  EXPECT_TRUE(a.lease->Release().ok()) << "releasing a lease one does not hold is a no-op";
  EXPECT_TRUE(b.lease->Tick().value());
}

TEST_P(LeaderLeaseTest, TheLeaseOutlivesTheConnectionsThatTookIt) {
  {
    Replica a = Start("a");
    ASSERT_TRUE(a.lease && a.lease->Tick().value());
  }  // a's process is gone without releasing
  Replica b = Start("b");
  ASSERT_TRUE(b.lease);
  EXPECT_FALSE(b.lease->Tick().value());
  clock_.Advance(seconds(15));
  EXPECT_TRUE(b.lease->Tick().value());
}

TEST_P(LeaderLeaseTest, StoreReportsTheHolderAndExpiry) {
  auto store = OpenStore();
  ASSERT_TRUE(store.ok()) << store.status();
  const TimePoint now = clock_.Now();
  LeaseRecord first = (*store)->TryAcquire(kName, "a", now, seconds(15)).value();
  EXPECT_EQ(first.holder, "a");
  EXPECT_EQ(first.expires_at, now + seconds(15));
  EXPECT_EQ(first.term, 1);
  LeaseRecord refused = (*store)->TryAcquire(kName, "b", now + seconds(3), seconds(15)).value();
  EXPECT_EQ(refused.holder, "a");
  EXPECT_EQ(refused.expires_at, now + seconds(15)) << "a refused taker changes nothing";
  LeaseRecord other = (*store)->TryAcquire("something-else", "b", now, seconds(15)).value();
  EXPECT_EQ(other.holder, "b") << "leases by different names are independent";
}

TEST_P(LeaderLeaseTest, InvalidOptionsAreRefused) {
  auto store = OpenStore();
  ASSERT_TRUE(store.ok());
  struct Case {
    const char* name;
    LeaderLeaseOptions options;
  } cases[] = {
      {"no name", {"", "a", seconds(15), seconds(5)}},
      {"no holder", {kName, "", seconds(15), seconds(5)}},
      {"margin not below ttl", {kName, "a", seconds(5), seconds(5)}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(LeaderLease::Create(**store, clock_, c.options).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
}

SVIDD_INSTANTIATE_FOR_EVERY_ENGINE(LeaderLeaseTest);

TEST(ReplicaIdTest, DiffersBetweenCalls) { EXPECT_NE(ReplicaId(), ReplicaId()); }

}  // namespace
}  // namespace svidd::ledger
