// The agent's reconnect logic against a fake Rotate server it can end, refuse and restart.
#include "agent/rotation_client.h"

#include <grpc/grpc.h>
#include <gtest/gtest.h>

#include "agent/fake_rotation_server.h"
#include "support/jwt/test_jwt.h"
#include "svidd/common/atomic_file.h"

namespace svidd::testing {
namespace {

using agent::internal::RotationClient;
using agent::internal::RotationClientOptions;
using agent::internal::SessionConfig;
using std::chrono::milliseconds;
using std::chrono::seconds;

class RotationClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Start();
    TestSigningKey key = MakeRs256Key("k").value();
    TokenSpec spec;
    spec.ns = "foo";
    spec.sa = "bar";
    spec.iat = now_;
    token_ = MintToken(key, spec);
    ASSERT_TRUE(WriteFileAtomically(dir_.path() / "token", token_ + "\n").ok());
  }

  std::unique_ptr<RotationClient> Client(agent::BackoffPolicy backoff = {milliseconds(10),
                                                                         milliseconds(200)}) {
    RotationClientOptions options;
    options.server = "127.0.0.1:" + std::to_string(server_.port());
    options.server_name = "localhost";
    options.token_file = dir_.path() / "token";
    options.bootstrap_roots_pem = pki_.roots_pem();
    options.backoff = backoff;
    options.seed = 1;
    SessionConfig session{spiffe::SpiffeId::Parse(kAgentId).value(), crypto::KeyType::kEcP256,
                          seconds(0), "cluster.local"};
    return std::make_unique<RotationClient>(options, session, store_, SystemClock::Instance());
  }

  // Polls `done` for up to `timeout`.
  template <typename Predicate>
  bool Eventually(Predicate done, seconds timeout = seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return done();
  }

  TimePoint now_ = SystemClock::Instance().Now();
  AgentTestPki pki_{now_};
  TempDir dir_;
  FakeRotationServer server_{pki_};
  agent::SvidStore store_;
  std::string token_;
};

TEST_F(RotationClientTest, BootstrapsWithTheTokenThenReconnectsWithItsCertificate) {
  server_.set_behaviour({.end_after_issue = true});
  auto client = Client();
  client->Start();
  ASSERT_TRUE(server_.WaitForOpens(3, seconds(20)));
  client->Stop();
  std::vector<StreamOpen> opens = server_.opens();
  EXPECT_EQ(opens[0].token, token_);
  EXPECT_EQ(opens[0].client_serial, "");
  for (size_t i = 1; i < opens.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(opens[i].token, "") << "a valid certificate is used instead of the token";
    EXPECT_NE(opens[i].client_serial, "");
  }
  EXPECT_NE(opens[1].client_serial, opens[2].client_serial) << "each stream renewed";
  ASSERT_NE(store_.Current().svid, nullptr);
  EXPECT_GE(client->stats().certificates_installed, 2);
}

TEST_F(RotationClientTest, ARefusedCertificateFallsBackToTheToken) {
  store_.SetBoth(pki_.IssueSvid(kAgentId, now_, std::chrono::hours(1)), pki_.bundle());
  server_.set_behaviour({.end_after_issue = true, .refuse_certificates = true});
  auto client = Client();
  client->Start();
  ASSERT_TRUE(server_.WaitForOpens(2, seconds(20)));
  ASSERT_TRUE(Eventually([&] { return client->stats().certificates_installed >= 1; }));
  client->Stop();
  std::vector<StreamOpen> opens = server_.opens();
  EXPECT_NE(opens[0].client_serial, "");
  EXPECT_EQ(opens[1].token, token_);
  EXPECT_EQ(opens[1].client_serial, "");
}

TEST_F(RotationClientTest, KeepsServingWhileTheServerIsDownAndResumesWhenItIsBack) {
  auto served = pki_.IssueSvid(kAgentId, now_, std::chrono::hours(1));
  store_.SetBoth(served, pki_.bundle());
  server_.Stop();
  auto client = Client();
  client->Start();
  ASSERT_TRUE(Eventually([&] { return client->stats().streams_ended >= 5; }));
  EXPECT_EQ(store_.Current().svid, served) << "still serving the current certificate";
  EXPECT_EQ(server_.opens().size(), 0u);

  server_.Start();  // same port, as a restarted svidd
  ASSERT_TRUE(Eventually([&] { return store_.Current().svid != served; }));
  client->Stop();
  ASSERT_GE(server_.opens().size(), 1u);
  EXPECT_EQ(server_.opens()[0].client_serial, served->serial()) << "resumed with its certificate";
}

TEST_F(RotationClientTest, BackoffGrowsWhileDownAndResetsAfterAHealthyStream) {
  server_.set_behaviour({.end_after_issue = true});
  server_.Stop();
  auto client = Client({milliseconds(20), seconds(2)});
  client->Start();
  ASSERT_TRUE(Eventually([&] { return client->stats().failures_in_a_row >= 6; }));
  server_.Start();
  ASSERT_TRUE(server_.WaitForOpens(3, seconds(20)));
  client->Stop();
  // Each stream installed a certificate, so the backoff restarted at 20 ms: the gaps between
  // reconnects are far below the 2 s ceiling reached while the server was down.
  std::vector<StreamOpen> opens = server_.opens();
  EXPECT_LT(opens[2].at - opens[1].at, milliseconds(500));
  EXPECT_EQ(client->stats().failures_in_a_row, 1);
}

TEST_F(RotationClientTest, StopInterruptsABackoffWait) {
  server_.Stop();
  auto client = Client({seconds(60), seconds(60)});
  client->Start();
  ASSERT_TRUE(Eventually([&] { return client->stats().streams_ended >= 1; }));
  const auto start = std::chrono::steady_clock::now();
  client->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(2));
}

// The client holds gRPC initialised from construction to destruction, so a failed attempt's
// channel does not take the library down with it and the next attempt start it again (under
// TSan, one such cycle left a gRPC timer thread unjoined at the agent's exit).
TEST_F(RotationClientTest, HoldsGrpcInitialisedForItsWholeLife) {
  server_.Stop();
  ASSERT_FALSE(grpc_is_initialized()) << "nothing else in this test may hold gRPC";
  auto client = Client({seconds(60), seconds(60)});
  EXPECT_TRUE(grpc_is_initialized()) << "held before any channel exists";
  client.reset();
  EXPECT_FALSE(grpc_is_initialized()) << "released with a client that never connected";

  client = Client({seconds(60), seconds(60)});
  client->Start();
  ASSERT_TRUE(Eventually([&] { return client->stats().streams_ended >= 1; }));
  // The attempt's channel is gone; the client waits (up to a minute) before the next.
  EXPECT_TRUE(grpc_is_initialized());
  ASSERT_EQ(client->stats().streams_opened, 1) << "checked during the wait, not a new attempt";
  client.reset();
  // gRPC's core drops its channel's own reference on one of its threads, maybe a moment later.
  EXPECT_TRUE(Eventually([] { return !grpc_is_initialized(); })) << "released with the client";
}

TEST_F(RotationClientTest, StopCancelsAnOpenStream) {
  auto client = Client();
  client->Start();
  ASSERT_TRUE(Eventually([&] { return client->stats().certificates_installed >= 1; }));
  const auto start = std::chrono::steady_clock::now();
  client->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(2));
}

}  // namespace
}  // namespace svidd::testing
