// The real svidd binary's log: --log-format json writes one JSON object per line; every
// certificate decision is one audit line (issued / refused, identity, serial, reason, peer,
// API) and never carries the token; a flood of refusals is rate-limited; SIGHUP re-reads the
// config file, applies its log level and names the settings that wait for a restart. The
// rotation stream API and the admin API write the same audit lines, in both log formats.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "integration/ca_client.h"
#include "integration/child_process.h"
#include "integration/rotation_client.h"
#include "integration/test_env.h"
#include "nlohmann/json.hpp"
#include "support/jwt/test_jwt.h"
#include "support/pki/csr_builder.h"
#include "svidd/common/atomic_file.h"
#include "svidd/crypto/pem.h"

namespace svidd::testing {
namespace {

class LoggingProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = MakeRs256Key("k1").value();
    ASSERT_TRUE(WriteFileAtomically(dir_.path() / "jwks.json", JwksJson({&key_})).ok());
  }

  void WriteConfig(const std::string& yaml) {
    ASSERT_TRUE(WriteFileAtomically(config(), yaml).ok());
  }

  std::unique_ptr<ChildProcess> Start(const std::vector<std::string>& extra = {}) {
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
    argv.insert(argv.end(), extra.begin(), extra.end());
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

  std::string RootPem() const {
    return ReadFileToString(dir_.path() / "data" / "ca" / "root-cert.pem").value();
  }

  grpc::Status Issue(const std::string& token) {
    istio::v1::auth::IstioCertificateResponse response;
    return CallCreateCertificate(MakeCaChannel(port_, RootPem()), BuildIstioCsr(kFooId).value().pem,
                                 0, token, &response);
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
    if (line["level"] == "info") {
      EXPECT_EQ(line["logger"], "audit") << line.dump();
    }
  }
}

// The bucket holds 50 lines and refills at 10 per second (AuditLogLimits). The flood is
// sent from several threads over one channel until it has outrun the refill by 50 calls,
// however slow the machine (a sanitizer build makes one call take ~0.1 s), bounded in time
// and count; then at most burst + rate x elapsed refusals may have been logged.
TEST_F(LoggingProcessTest, AFloodOfRefusalsIsRateLimited) {
  WriteConfig("log-format: json\n");
  auto svidd = Start();
  ASSERT_NE(port_, 0);
  const std::string expired = Token(SystemClock::Instance().Now() - std::chrono::hours(3));
  const std::string csr = BuildIstioCsr(kFooId).value().pem;
  const auto channel = MakeCaChannel(port_, RootPem());
  constexpr double kBurst = 50, kPerSecond = 10;
  constexpr int kMaxCalls = 20000;
  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + std::chrono::seconds(90);
  auto seconds_since_start = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  std::atomic<int> sent{0}, wrong_code{0};
  std::vector<std::thread> flood;
  for (int t = 0; t < 4; ++t) {
    flood.emplace_back([&] {
      while (sent.load() < kMaxCalls && std::chrono::steady_clock::now() < deadline &&
             sent.load() < kBurst + kPerSecond * seconds_since_start() + 50) {
        istio::v1::auth::IstioCertificateResponse response;
        if (CallCreateCertificate(channel, csr, 0, expired, &response).error_code() !=
            grpc::StatusCode::UNAUTHENTICATED) {
          ++wrong_code;
        }
        ++sent;
      }
    });
  }
  for (std::thread& t : flood) t.join();
  const double elapsed = seconds_since_start();
  ASSERT_EQ(wrong_code.load(), 0);
  ASSERT_LT(elapsed, 90.0) << "the flood never outran the refill: " << sent.load() << " sent";
  ASSERT_EQ(svidd->StopWith(SIGTERM), 0);
  std::vector<nlohmann::json> refused = Audit(*svidd, "refused");
  EXPECT_GE(refused.size(), static_cast<size_t>(kBurst)) << "the burst";
  EXPECT_LE(static_cast<double>(refused.size()), kBurst + kPerSecond * elapsed + 1)
      << "the rest rate-limited; " << sent.load() << " sent in " << elapsed << " s";
  EXPECT_LT(refused.size(), static_cast<size_t>(sent.load()));
}

// An audit line's fields, read from either log format.
using AuditFields = std::map<std::string, std::string>;

// Text format: "[time] [audit] [level] <decision> key=value ... detail="..." args=...".
std::vector<AuditFields> TextAuditLines(const std::string& log) {
  static const std::regex kLine(R"(^\[[^\]]*\] \[audit\] \[(\w+)\] (\w+) (.*)$)");
  static const std::regex kField(R"((\w+)=("[^"]*"|\S+))");
  std::vector<AuditFields> out;
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_match(line, m, kLine)) continue;
    AuditFields fields{{"level", m[1]}, {"msg", m[2]}};
    const std::string rest = m[3];
    for (auto it = std::sregex_iterator(rest.begin(), rest.end(), kField);
         it != std::sregex_iterator(); ++it) {
      std::string value = (*it)[2];
      if (value.size() >= 2 && value.front() == '"') value = value.substr(1, value.size() - 2);
      fields[(*it)[1]] = value == "-" ? "" : value;
    }
    out.push_back(std::move(fields));
  }
  return out;
}

std::vector<AuditFields> JsonAuditLines(const std::string& log) {
  std::vector<AuditFields> out;
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    nlohmann::json parsed = nlohmann::json::parse(line, nullptr, false);
    EXPECT_TRUE(parsed.is_object()) << "not a JSON object: " << line;
    if (!parsed.is_object() || parsed.value("logger", "") != "audit") continue;
    AuditFields fields;
    for (const auto& [key, value] : parsed.items()) {
      fields[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
    out.push_back(std::move(fields));
  }
  return out;
}

std::vector<AuditFields> Matching(const std::vector<AuditFields>& lines, const AuditFields& want) {
  std::vector<AuditFields> out;
  for (const AuditFields& line : lines) {
    bool all = true;
    for (const auto& [key, value] : want) {
      auto it = line.find(key);
      all = all && it != line.end() && it->second == value;
    }
    if (all) out.push_back(line);
  }
  return out;
}

class AuditProcessTest : public LoggingProcessTest,
                         public ::testing::WithParamInterface<std::string> {};

// Every decision of the rotation stream API and of the admin API is one audit line with the
// identity, serial, reason, peer and API, and neither a token nor a key appears in the log.
TEST_P(AuditProcessTest, RotationAndAdminDecisionsAreOneAuditLineEach) {
  constexpr char kAdminId[] = "spiffe://cluster.local/admin/alice";
  WriteConfig("log-format: " + GetParam() + "\nlog-level: warn\n");
  auto svidd = Start({"--admin-id", kAdminId});
  ASSERT_NE(port_, 0);
  const std::string good = Token(SystemClock::Instance().Now());
  const std::string expired = Token(SystemClock::Instance().Now() - std::chrono::hours(3));
  auto channel = MakeCaChannel(port_, RootPem());

  // Rotation: a stream refused at open; a CSR answered (issued); a CSR for another identity
  // (refused on the stream).
  {
    RotationTestClient refused(channel, expired);
    EXPECT_FALSE(refused.Next().has_value());
    EXPECT_EQ(refused.Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  TestCsr csr = BuildIstioCsr(kFooId).value();
  std::string serial;
  ClientIdentity workload;
  {
    RotationTestClient stream(channel, good);
    auto asked = stream.NextNonBundle();
    ASSERT_TRUE(asked.has_value() && asked->has_renewal_requested());
    ASSERT_TRUE(stream.SendCsr(csr.pem, asked->renewal_requested().renewal_id()));
    auto issued = stream.NextNonBundle();
    ASSERT_TRUE(issued.has_value() && issued->has_issued()) << issued->ShortDebugString();
    serial = issued->issued().serial();
    for (int i = 0; i + 1 < issued->issued().cert_chain_size(); ++i) {
      workload.cert_chain_pem += issued->issued().cert_chain(i);
    }
    workload.key_pem = crypto::PrivateKeyToPkcs8Pem(csr.key.get()).value();
    ASSERT_TRUE(
        stream.SendCsr(BuildIstioCsr("spiffe://cluster.local/ns/foo/sa/other").value().pem, 0));
    auto refused = stream.NextNonBundle();
    ASSERT_TRUE(refused.has_value() && refused->has_refused()) << refused->ShortDebugString();
    EXPECT_EQ(refused->refused().code(), grpc::StatusCode::PERMISSION_DENIED);
    stream.Cancel();
  }

  // Admin: an admin lists; the workload's certificate is refused; the admin revokes it.
  const std::filesystem::path alice = dir_.path() / "alice";
  CommandResult made =
      RunCommand({SVIDCTL_BINARY, "--data-dir", (dir_.path() / "data").string(), "admin", "issue",
                  "--id", kAdminId, "--out-dir", alice.string()});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  auto svidctl = [&](const std::string& cert, const std::string& key,
                     std::vector<std::string> args) {
    std::vector<std::string> argv = {SVIDCTL_BINARY,
                                     "--server",
                                     "127.0.0.1:" + std::to_string(port_),
                                     "--server-name",
                                     "localhost",
                                     "--cert",
                                     cert,
                                     "--key",
                                     key,
                                     "--root-cert",
                                     (alice / "root-cert.pem").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv);
  };
  const std::string alice_cert = (alice / "cert-chain.pem").string();
  const std::string alice_key = (alice / "key.pem").string();
  CommandResult listed = svidctl(alice_cert, alice_key, {"certs", "list", "-o", "json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  ASSERT_TRUE(WriteFileAtomically(dir_.path() / "w-cert.pem", workload.cert_chain_pem, 0600).ok());
  ASSERT_TRUE(WriteFileAtomically(dir_.path() / "w-key.pem", workload.key_pem, 0600).ok());
  CommandResult denied = svidctl((dir_.path() / "w-cert.pem").string(),
                                 (dir_.path() / "w-key.pem").string(), {"certs", "list"});
  EXPECT_NE(denied.exit_code, 0);
  CommandResult revoked = svidctl(alice_cert, alice_key, {"certs", "revoke", serial});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  ASSERT_EQ(svidd->StopWith(SIGTERM), 0) << svidd->log();

  const std::string log = svidd->log();
  const std::vector<AuditFields> lines =
      GetParam() == "json" ? JsonAuditLines(log) : TextAuditLines(log);
  for (const AuditFields& line : lines) {
    SCOPED_TRACE(::testing::PrintToString(line));
    EXPECT_TRUE(line.at("peer").starts_with("ipv4:127.0.0.1:"));
    EXPECT_EQ(line.at("level"), line.at("msg") == "refused" ? "warning" : "info");
  }
  // Rotation.
  std::vector<AuditFields> issued = Matching(lines, {{"msg", "issued"}, {"api", "rotation"}});
  ASSERT_EQ(issued.size(), 1u) << log;
  EXPECT_EQ(issued[0]["identity"], kFooId);
  EXPECT_EQ(issued[0]["serial"], serial);
  std::vector<AuditFields> refused = Matching(lines, {{"msg", "refused"}, {"api", "rotation"}});
  ASSERT_EQ(refused.size(), 2u) << log;
  EXPECT_EQ(refused[0]["reason"], "unauthenticated/expired-token");
  EXPECT_EQ(refused[0]["identity"], "") << "nobody authenticated";
  EXPECT_TRUE(refused[1]["reason"].starts_with("permission-denied/")) << refused[1]["reason"];
  EXPECT_EQ(refused[1]["identity"], kFooId) << "the stream's identity";
  // Admin: one line per call, with the caller, the method and what it did.
  std::vector<AuditFields> admin = Matching(lines, {{"api", "admin"}});
  auto calls = [&](const std::string& decision, const std::string& method) {
    return Matching(admin, {{"msg", decision}, {"method", method}});
  };
  ASSERT_EQ(calls("allowed", "ListCertificates").size(), 1u) << log;
  EXPECT_EQ(calls("allowed", "ListCertificates")[0]["identity"], kAdminId);
  ASSERT_EQ(calls("allowed", "RevokeCertificates").size(), 1u) << log;
  EXPECT_EQ(calls("allowed", "RevokeCertificates")[0]["identity"], kAdminId);
  EXPECT_EQ(calls("allowed", "RevokeCertificates")[0]["detail"], "revoked 1: " + serial);
  ASSERT_EQ(calls("refused", "ListCertificates").size(), 1u) << log;
  EXPECT_EQ(calls("refused", "ListCertificates")[0]["identity"], kFooId);
  EXPECT_TRUE(calls("refused", "ListCertificates")[0]["reason"].starts_with("permission-denied/"))
      << calls("refused", "ListCertificates")[0]["reason"];
  EXPECT_EQ(admin.size(), 3u) << "one line per admin call: " << log;
  // Never a token or a key.
  for (const std::string& token : {good, expired}) {
    EXPECT_EQ(log.find(token.substr(token.rfind('.') + 1)), std::string::npos);
  }
  EXPECT_EQ(log.find("PRIVATE KEY"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Formats, AuditProcessTest, ::testing::Values("json", "text"),
                         [](const auto& info) { return info.param; });

TEST_F(LoggingProcessTest, SighupRereadsTheConfigFileAndItsLogLevel) {
  WriteConfig("log-level: warn\nmax-ttl: 24h\n");
  auto svidd = Start();
  ASSERT_NE(port_, 0);
  EXPECT_EQ(svidd->log().find("svidd serving"), std::string::npos) << "info is off";

  WriteConfig("log-level: info\nmax-ttl: 12h\ndefault-ttl: 12h\n");
  ASSERT_GT(svidd->pid(), 0) << "exited: " << svidd->log();  // kill(-1) signals everything
  ASSERT_EQ(::kill(svidd->pid(), SIGHUP), 0);
  EXPECT_TRUE(WaitForLog(*svidd, "SIGHUP: configuration re-read; log level info")) << svidd->log();
  EXPECT_TRUE(WaitForLog(*svidd, "SIGHUP: max-ttl changed; it takes effect when svidd restarts"))
      << svidd->log();
  EXPECT_TRUE(svidd->running());

  WriteConfig("log-level: loud\n");                          // invalid: nothing changes
  ASSERT_GT(svidd->pid(), 0) << "exited: " << svidd->log();  // kill(-1) signals everything
  ASSERT_EQ(::kill(svidd->pid(), SIGHUP), 0);
  EXPECT_TRUE(WaitForLog(*svidd, "the running configuration stays")) << svidd->log();
  EXPECT_TRUE(svidd->running());
  EXPECT_EQ(svidd->StopWith(SIGTERM), 0);
  EXPECT_NE(svidd->log().find("received SIGTERM, shutting down"), std::string::npos)
      << "still at info";
}

}  // namespace
}  // namespace svidd::testing
