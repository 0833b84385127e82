// The real svidd binary's log: --log-format json writes one JSON object per line; every
// certificate decision is one audit line (issued / refused, identity, serial, reason, peer,
// API) and never carries the token; a flood of refusals is rate-limited; SIGHUP re-reads the
// config file, applies its log level and names the settings that wait for a restart.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "integration/ca_client.h"
#include "integration/child_process.h"
#include "integration/test_env.h"
#include "nlohmann/json.hpp"
#include "support/jwt/test_jwt.h"
#include "support/pki/csr_builder.h"
#include "svidd/common/atomic_file.h"

namespace svidd::testing {
namespace {

constexpr char kFooId[] = "spiffe://cluster.local/ns/foo/sa/bar";

class LoggingProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = MakeRs256Key("k1").value();
    ASSERT_TRUE(WriteFileAtomically(dir_.path() / "jwks.json", JwksJson({&key_})).ok());
  }

  void WriteConfig(const std::string& yaml) {
    ASSERT_TRUE(WriteFileAtomically(config(), yaml).ok());
  }

  std::unique_ptr<ChildProcess> Start() {
    std::vector<std::string> argv = {SVIDD_BINARY,
                                     "--config",
                                     config().string(),
                                     "--data-dir",
                                     (dir_.path() / "data").string(),
                                     "--listen",
                                     "127.0.0.1:0",
                                     "--port-file",
                                     (dir_.path() / "port").string(),
                                     "--jwks-file",
                                     (dir_.path() / "jwks.json").string(),
                                     "--jwt-issuer",
                                     kTestIssuer};
    auto child = std::make_unique<ChildProcess>(argv, dir_.path() / "svidd.log");
    port_ = WaitForPortFile(dir_.path() / "port", *child);
    EXPECT_NE(port_, 0) << child->log();
    return child;
  }

  std::string Token(TimePoint iat) const {
    TokenSpec spec;
    spec.issuer = kTestIssuer;
    spec.ns = "foo";
    spec.sa = "bar";
    spec.iat = iat;
    return MintToken(key_, spec);
  }

  grpc::Status Issue(const std::string& token) {
    const std::string root =
        ReadFileToString(dir_.path() / "data" / "ca" / "root-cert.pem").value();
    istio::v1::auth::IstioCertificateResponse response;
    return CallCreateCertificate(MakeCaChannel(port_, root), BuildIstioCsr(kFooId).value().pem, 0,
                                 token, &response);
  }

  // Every line of the log as JSON; fails the test on a line that is not a JSON object.
  std::vector<nlohmann::json> JsonLines(const ChildProcess& child) {
    std::vector<nlohmann::json> out;
    std::istringstream in(child.log());
    std::string line;
    while (std::getline(in, line)) {
      nlohmann::json parsed = nlohmann::json::parse(line, nullptr, false);
      EXPECT_TRUE(parsed.is_object()) << "not a JSON object: " << line;
      if (parsed.is_object()) out.push_back(std::move(parsed));
    }
    return out;
  }

  std::vector<nlohmann::json> Audit(const ChildProcess& child, const std::string& decision) {
    std::vector<nlohmann::json> out;
    for (nlohmann::json& line : JsonLines(child)) {
      if (line.value("logger", "") == "audit" && line.value("msg", "") == decision) {
        out.push_back(std::move(line));
      }
    }
    return out;
  }

  std::filesystem::path config() const { return dir_.path() / "svidd.yaml"; }

  TempDir dir_;
  TestSigningKey key_;
  int port_ = 0;
};

bool WaitForLog(const ChildProcess& child, const std::string& text) {
  for (int i = 0; i < 200; ++i) {  // bounded: 10 s
    if (child.log().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST_F(LoggingProcessTest, JsonAuditLinesForEveryDecisionAndNeverTheToken) {
  WriteConfig("log-format: json\nlog-level: warn\n");
  auto svidd = Start();
  ASSERT_NE(port_, 0);
  const std::string good = Token(SystemClock::Instance().Now());
  const std::string expired = Token(SystemClock::Instance().Now() - std::chrono::hours(3));
  ASSERT_TRUE(Issue(good).ok());
  ASSERT_EQ(Issue(expired).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  ASSERT_EQ(svidd->StopWith(SIGTERM), 0) << svidd->log();

  std::vector<nlohmann::json> issued = Audit(*svidd, "issued");
  ASSERT_EQ(issued.size(), 1u) << svidd->log();
  EXPECT_EQ(issued[0]["identity"], kFooId);
  EXPECT_EQ(issued[0]["api"], "istio");
  EXPECT_EQ(issued[0]["level"], "info") << "written although the level is warn";
  EXPECT_EQ(issued[0]["serial"].get<std::string>().size() % 2, 0u);
  EXPECT_TRUE(issued[0]["peer"].get<std::string>().starts_with("ipv4:127.0.0.1:"));
  std::vector<nlohmann::json> refused = Audit(*svidd, "refused");
  ASSERT_EQ(refused.size(), 1u) << svidd->log();
  EXPECT_EQ(refused[0]["reason"], "unauthenticated/expired-token");
  EXPECT_EQ(refused[0]["identity"], kFooId) << "the identity the CSR claimed";
  EXPECT_EQ(refused[0]["api"], "istio");
  EXPECT_TRUE(refused[0]["peer"].get<std::string>().starts_with("ipv4:127.0.0.1:"));
  // No token, not even its signature part, and no info lines but the audit ones.
  const std::string log = svidd->log();
  for (const std::string& token : {good, expired}) {
    EXPECT_EQ(log.find(token.substr(token.rfind('.') + 1)), std::string::npos);
  }
  for (const nlohmann::json& line : JsonLines(*svidd)) {
    if (line["level"] == "info") EXPECT_EQ(line["logger"], "audit") << line.dump();
  }
}

TEST_F(LoggingProcessTest, AFloodOfRefusalsIsRateLimited) {
  WriteConfig("log-format: json\n");
  auto svidd = Start();
  ASSERT_NE(port_, 0);
  const std::string expired = Token(SystemClock::Instance().Now() - std::chrono::hours(3));
  constexpr int kRefusals = 150;
  for (int i = 0; i < kRefusals; ++i) {
    ASSERT_EQ(Issue(expired).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  ASSERT_EQ(svidd->StopWith(SIGTERM), 0);
  std::vector<nlohmann::json> refused = Audit(*svidd, "refused");
  EXPECT_GE(refused.size(), 50u) << "the burst";
  EXPECT_LT(refused.size(), static_cast<size_t>(kRefusals)) << "the rest rate-limited";
}

TEST_F(LoggingProcessTest, SighupRereadsTheConfigFileAndItsLogLevel) {
  WriteConfig("log-level: warn\nmax-ttl: 24h\n");
  auto svidd = Start();
  ASSERT_NE(port_, 0);
  EXPECT_EQ(svidd->log().find("svidd serving"), std::string::npos) << "info is off";

  WriteConfig("log-level: info\nmax-ttl: 12h\ndefault-ttl: 12h\n");
  ASSERT_EQ(::kill(svidd->pid(), SIGHUP), 0);
  EXPECT_TRUE(WaitForLog(*svidd, "SIGHUP: configuration re-read; log level info")) << svidd->log();
  EXPECT_TRUE(WaitForLog(*svidd, "SIGHUP: max-ttl changed; it takes effect when svidd restarts"))
      << svidd->log();
  EXPECT_TRUE(svidd->running());

  WriteConfig("log-level: loud\n");  // invalid: nothing changes
  ASSERT_EQ(::kill(svidd->pid(), SIGHUP), 0);
  EXPECT_TRUE(WaitForLog(*svidd, "the running configuration stays")) << svidd->log();
  EXPECT_TRUE(svidd->running());
  EXPECT_EQ(svidd->StopWith(SIGTERM), 0);
  EXPECT_NE(svidd->log().find("received SIGTERM, shutting down"), std::string::npos)
      << "still at info";
}

}  // namespace
}  // namespace svidd::testing
