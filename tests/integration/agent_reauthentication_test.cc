// svid-agent against the real server when the token it bootstrapped with expires: svidd
// closes the token stream (rotation_session.h) and the agent reconnects with the certificate
// it was issued, over mTLS, and keeps renewing.
#include <gtest/gtest.h>

#include <thread>

#include "integration/test_env.h"
#include "support/jwt/test_jwt.h"
#include "svidd/agent/svid_agent.h"
#include "svidd/common/atomic_file.h"
#include "svidd/crypto/x509_fields.h"

namespace svidd::testing {
namespace {

std::string SerialOf(agent::SvidAgent& agent) {
  agent::AgentState state = agent.store().Current();
  return state.svid == nullptr ? "" : crypto::SerialHex(state.svid->leaf());
}

// Polls (bounded) until the agent holds a certificate other than `previous`.
std::string WaitForNewSerial(agent::SvidAgent& agent, const std::string& previous) {
  for (int i = 0; i < 300; ++i) {
    std::string serial = SerialOf(agent);
    if (!serial.empty() && serial != previous) return serial;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return "";
}

TEST(AgentReauthenticationTest, AfterItsTokenExpiredTheAgentRenewsOverMtls) {
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  TokenSpec spec;
  spec.issuer = kTestIssuer;
  spec.ns = "foo";
  spec.sa = "bar";
  spec.iat = env->clock().Now();
  spec.ttl = std::chrono::seconds(60);
  agent::AgentOptions options;
  options.server = "127.0.0.1:" + std::to_string(env->server().port());
  options.server_name = "localhost";
  options.root_cert_file = env->dir() / "agent-root.pem";
  options.token_file = env->dir() / "agent-token";
  options.out_dir = env->dir() / "agent";
  ASSERT_TRUE(WriteFileAtomically(options.root_cert_file, env->root_bundle_pem()).ok());
  ASSERT_TRUE(WriteFileAtomically(options.token_file, MintToken(env->signing_key(), spec)).ok());
  auto agent = agent::SvidAgent::Start(options, env->clock());
  ASSERT_TRUE(agent.ok()) << agent.status();
  const std::string first = WaitForNewSerial(**agent, "");
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(env->server().ledger().GetCertificate(first)->auth_method, "k8s-jwt");

  // Past the token's exp and past the certificate's half-life: svidd asks for a renewal,
  // finds the stream's token gone and closes it; the agent comes back with its certificate.
  env->clock().Advance(std::chrono::hours(13));
  env->server().RunRotationPass();
  const std::string second = WaitForNewSerial(**agent, first);
  ASSERT_FALSE(second.empty()) << "no renewal after the token expired";
  auto record = env->server().ledger().GetCertificate(second);
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->auth_method, "x509");
  EXPECT_EQ(record->supersedes_serial_hex, first);
  (*agent)->Shutdown();
}

}  // namespace
}  // namespace svidd::testing
