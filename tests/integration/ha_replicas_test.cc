// Several replicas on one ledger (docs/high-availability.md), in process: the checkpoint lease
// decides which replica signs the ledger's head, and a replica that finds the lease held by
// another signs nothing until that lease lapses.
#include <gtest/gtest.h>

#include "integration/test_env.h"
#include "support/pki/csr_builder.h"
#include "svidd/ledger/leader_lease.h"
#include "svidd/ledger/lease_store.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::testing {
namespace {

constexpr char kCheckpointLease[] = "ledger-checkpoints";

void IssueOne(TestEnv& env) {
  TestCsr csr = BuildIstioCsr("spiffe://cluster.local/ns/foo/sa/bar").value();
  istio::v1::auth::IstioCertificateResponse response;
  grpc::Status status = env.CreateCertificate(csr.pem, 0, env.TokenFor("foo", "bar"), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
}

TEST(HaReplicasTest, OnlyTheLeaseHolderSignsCheckpointsAndADeadHoldersLeaseIsTakenOver) {
  std::unique_ptr<ledger::LeaseStore> other_replica;
  TimePoint other_took_at;
  auto env = TestEnv::Start([&](server::ServerOptions& o) {
    // Another replica already holds the lease when this one starts.
    auto ledger = ledger::OpenSqliteLedger(o.LedgerPath());
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    auto store = ledger::OpenSqliteLeaseStore(o.LedgerPath());
    ASSERT_TRUE(store.ok()) << store.status();
    other_replica = std::move(*store);
    other_took_at = SystemClock::Instance().Now();
    ledger::LeaseRecord taken =
        other_replica
            ->TryAcquire(kCheckpointLease, "other", other_took_at, std::chrono::seconds(15))
            .value();
    ASSERT_EQ(taken.holder, "other");
  });
  ASSERT_NE(env, nullptr);
  IssueOne(*env);
  ASSERT_TRUE(env->server().RunMaintenance().ok());
  EXPECT_FALSE(env->server().ledger().LatestCheckpoint().value().has_value())
      << "signed a checkpoint while another replica holds the lease";

  // The other replica dies: it renews no more. Once its lease expired, this one takes it at its
  // next pass and signs the head.
  env->clock().Set(other_took_at + std::chrono::seconds(16));
  ASSERT_TRUE(env->server().RunMaintenance().ok());
  auto checkpoint = env->server().ledger().LatestCheckpoint().value();
  ASSERT_TRUE(checkpoint.has_value()) << "no checkpoint after taking the lease over";
  EXPECT_EQ(checkpoint->event_seq, env->server().ledger().GetChainHead()->seq);
  ledger::LeaseRecord now_held =
      other_replica
          ->TryAcquire(kCheckpointLease, "other", env->clock().Now(), std::chrono::seconds(15))
          .value();
  EXPECT_NE(now_held.holder, "other");
  EXPECT_EQ(now_held.term, 2);

  // At shutdown the holder releases it: the other replica gets it at once.
  env.reset();
  EXPECT_EQ(other_replica
                ->TryAcquire(kCheckpointLease, "other", other_took_at + std::chrono::seconds(17),
                             std::chrono::seconds(15))
                ->holder,
            "other");
}

}  // namespace
}  // namespace svidd::testing
