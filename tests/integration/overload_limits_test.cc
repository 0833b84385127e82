// Overload limits over the real gRPC API: per-identity and global issuance rates, rotation
// streams per identity and unsolicited CSRs per stream, each refused at once with
// RESOURCE_EXHAUSTED and a retry hint; and operator credentials refused on the workload path.
#include <gtest/gtest.h>

#include <thread>

#include "absl/synchronization/notification.h"
#include "integration/rotation_client.h"
#include "integration/test_env.h"
#include "support/pki/csr_builder.h"
#include "svidd/crypto/keys.h"
#include "svidd/issuance/admin_credential.h"

namespace svidd::testing {
namespace {

std::string OverloadedId(const std::string& sa) { return "spiffe://cluster.local/ns/foo/sa/" + sa; }

grpc::Status IssueFor(TestEnv& env, const std::string& sa) {
  istio::v1::auth::IstioCertificateResponse response;
  return env.CreateCertificate(BuildIstioCsr(OverloadedId(sa)).value().pem, 0,
                               env.TokenFor("foo", sa), &response);
}

bool HasRetryHint(const grpc::Status& status) {
  return status.error_message().find("retry in") != std::string::npos;
}

// The review's finding: one identity got 2,688 certificates in 8 s.
TEST(OverloadLimitsTest, OneIdentityIsHeldToItsIssuanceRate) {
  auto env =
      TestEnv::Start([](server::ServerOptions& o) { o.max_issuance_per_identity_per_second = 3; });
  ASSERT_NE(env, nullptr);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(IssueFor(*env, "bar").ok()) << i;
  grpc::Status over = IssueFor(*env, "bar");  // the fake clock stands still: the bucket is empty
  EXPECT_EQ(over.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << over.error_message();
  EXPECT_TRUE(HasRetryHint(over)) << over.error_message();
  EXPECT_TRUE(IssueFor(*env, "other").ok()) << "another identity has its own bucket";
  env->clock().Advance(std::chrono::seconds(1));
  EXPECT_TRUE(IssueFor(*env, "bar").ok()) << "refilled a second later";
}

// A server with one signing worker and one place in its queue.
std::unique_ptr<TestEnv> StartWithOneSigningSlot() {
  return TestEnv::Start([](server::ServerOptions& o) {
    o.signing_threads = 1;
    o.max_queued_signings = 1;
  });
}

// Holds the one signing worker busy and takes the queue's one place until Release() (or the
// end of the scope), so the next request for a signing worker finds the queue full.
class FullSigningQueue {
 public:
  ~FullSigningQueue() {
    Release();
    if (filled_) done_.WaitForNotification();  // the held task is out before its notifications go
  }
  ::testing::AssertionResult Fill(WorkerPool& signers) {
    if (!signers
             .Submit([this] {
               started_.Notify();
               release_.WaitForNotification();
               done_.Notify();
             })
             .ok()) {
      return ::testing::AssertionFailure() << "the held task was not accepted";
    }
    filled_ = true;
    started_.WaitForNotification();
    if (!signers.Submit([] {}).ok()) {
      return ::testing::AssertionFailure() << "the queue's place was not free";
    }
    return ::testing::AssertionSuccess();
  }
  void Release() {
    if (!release_.HasBeenNotified()) release_.Notify();
  }

 private:
  bool filled_ = false;
  absl::Notification started_, release_, done_;
};

// The signing queue is bounded: with its one worker held busy and its one place taken, the
// next request is answered at once with RESOURCE_EXHAUSTED instead of waiting behind them
// (were it queued, it could not be answered before the worker is released below).
TEST(OverloadLimitsTest, AFullSigningQueueRefusesAtOnce) {
  auto env = StartWithOneSigningSlot();
  ASSERT_NE(env, nullptr);
  FullSigningQueue queue;
  ASSERT_TRUE(queue.Fill(env->server().signing_workers()));
  grpc::Status full = IssueFor(*env, "bar");
  EXPECT_EQ(full.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << full.error_message();
  EXPECT_NE(full.error_message().find("signing workers are busy"), std::string::npos)
      << full.error_message();
  queue.Release();
  EXPECT_TRUE(IssueFor(*env, "bar").ok()) << "the queue drains and signing goes on";
}

// A rotation stream is authenticated on a signing worker, not on gRPC's callback thread, so
// it waits in the same bounded queue: with the queue full, a new stream is refused at once.
TEST(OverloadLimitsTest, AFullSigningQueueRefusesNewRotationStreamsAtOnce) {
  auto env = StartWithOneSigningSlot();
  ASSERT_NE(env, nullptr);
  FullSigningQueue queue;
  ASSERT_TRUE(queue.Fill(env->server().signing_workers()));
  {
    RotationTestClient refused(env->Channel(), env->TokenFor("foo", "bar"));
    EXPECT_FALSE(refused.Next().has_value());
    grpc::Status status = refused.Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  }
  queue.Release();
  RotationTestClient admitted(env->Channel(), env->TokenFor("foo", "bar"));
  auto first = admitted.Next();
  EXPECT_TRUE(first.has_value() && first->has_bundle()) << admitted.Finish().error_message();
}

TEST(OverloadLimitsTest, AllIdentitiesTogetherAreHeldToTheGlobalRate) {
  auto env = TestEnv::Start([](server::ServerOptions& o) { o.max_issuance_per_second = 2; });
  ASSERT_NE(env, nullptr);
  ASSERT_TRUE(IssueFor(*env, "a").ok());
  ASSERT_TRUE(IssueFor(*env, "b").ok());
  grpc::Status over = IssueFor(*env, "c");
  EXPECT_EQ(over.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << over.error_message();
  EXPECT_TRUE(HasRetryHint(over)) << over.error_message();
}

TEST(OverloadLimitsTest, StreamsPerIdentityAreCapped) {
  auto env = TestEnv::Start([](server::ServerOptions& o) { o.max_streams_per_identity = 2; });
  ASSERT_NE(env, nullptr);
  auto one = std::make_unique<RotationTestClient>(env->Channel(), env->TokenFor("foo", "bar"));
  RotationTestClient two(env->Channel(), env->TokenFor("foo", "bar"));
  ASSERT_TRUE(one->Next().has_value());
  ASSERT_TRUE(two.Next().has_value());
  RotationTestClient third(env->Channel(), env->TokenFor("foo", "bar"));
  EXPECT_FALSE(third.NextNonBundle().has_value());
  grpc::Status status = third.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  EXPECT_TRUE(HasRetryHint(status)) << status.error_message();
  RotationTestClient other(env->Channel(), env->TokenFor("foo", "other"));
  EXPECT_TRUE(other.Next().has_value()) << "another identity is not affected";
  // A stream that ends frees its place.
  one->Cancel();
  one.reset();
  for (int i = 0; i < 100 && env->server().rotation_streams() > 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  RotationTestClient again(env->Channel(), env->TokenFor("foo", "bar"));
  auto message = again.Next();
  EXPECT_TRUE(message.has_value() && message->has_bundle()) << again.Finish().error_message();
}

// The review's finding: one stream got 300 unsolicited certificates in 1.2 s.
TEST(OverloadLimitsTest, UnsolicitedCsrsPerStreamAreCappedButAnsweringStillWorks) {
  auto env =
      TestEnv::Start([](server::ServerOptions& o) { o.max_unsolicited_csrs_per_minute = 2; });
  ASSERT_NE(env, nullptr);
  RotationTestClient client(env->Channel(), env->TokenFor("foo", "bar"));
  auto initial = client.NextNonBundle();
  ASSERT_TRUE(initial.has_value() && initial->has_renewal_requested());
  ASSERT_TRUE(client.SendCsr(BuildIstioCsr(OverloadedId("bar")).value().pem,
                             initial->renewal_requested().renewal_id()));
  auto answered = client.NextNonBundle();
  ASSERT_TRUE(answered.has_value() && answered->has_issued());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(client.SendCsr(BuildIstioCsr(OverloadedId("bar")).value().pem, 0));
    auto reply = client.NextNonBundle();
    ASSERT_TRUE(reply.has_value() && reply->has_issued()) << i;
  }
  ASSERT_TRUE(client.SendCsr(BuildIstioCsr(OverloadedId("bar")).value().pem, 0));
  auto refused = client.NextNonBundle();
  ASSERT_TRUE(refused.has_value() && refused->has_refused()) << refused->ShortDebugString();
  EXPECT_EQ(refused->refused().code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(refused->refused().message().find("retry in"), std::string::npos);
  env->clock().Advance(std::chrono::minutes(1));
  ASSERT_TRUE(client.SendCsr(BuildIstioCsr(OverloadedId("bar")).value().pem, 0));
  auto later = client.NextNonBundle();
  EXPECT_TRUE(later.has_value() && later->has_issued()) << "a new minute, a new allowance";
}

// An operator credential's --ttl is a bound: it cannot renew itself as a workload would.
TEST(OverloadLimitsTest, AnOperatorCredentialCannotRenewItselfThroughWorkloadIssuance) {
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  issuance::AdminCredentialRequest request{OverloadedId("admin"), std::chrono::hours(1), "test"};
  auto credential = issuance::IssueAdminCredential(
      *env->server().authorities().Get(), env->server().ledger(), request, env->clock().Now());
  ASSERT_TRUE(credential.ok()) << credential.status();
  ClientIdentity admin{credential->cert_chain_pem, credential->key_pem};
  istio::v1::auth::IstioCertificateResponse response;
  grpc::Status status = env->CreateCertificate(BuildIstioCsr(OverloadedId("admin")).value().pem, 0,
                                               "", &response, &admin);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
  EXPECT_NE(status.error_message().find("svidctl admin issue"), std::string::npos);
  RotationTestClient stream(env->Channel(&admin), "");
  ASSERT_TRUE(stream.SendCsr(BuildIstioCsr(OverloadedId("admin")).value().pem, 0));
  auto reply = stream.NextNonBundle();
  ASSERT_TRUE(reply.has_value() && reply->has_refused()) << stream.Finish().error_message();
  EXPECT_EQ(reply->refused().code(), grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace svidd::testing
