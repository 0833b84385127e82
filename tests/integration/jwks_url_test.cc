// --jwks-url end to end: svidd fetches the service-account JWKS from an HTTPS server on
// 127.0.0.1 (with the CA file and bearer token a pod would use) and accepts tokens signed by
// those keys; with the server gone, the keys it fetched stay in use.
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "integration/test_env.h"
#include "support/pki/csr_builder.h"
#include "support/pki/test_cert_builder.h"
#include "svidd/common/atomic_file.h"
#include "svidd/crypto/pem.h"

namespace svidd::testing {
namespace {

// An HTTPS server for 127.0.0.1 with a certificate from its own test CA, serving `body` at
// /openid/v1/jwks to callers bearing "pod-token".
class JwksHttpsServer {
 public:
  JwksHttpsServer(const std::filesystem::path& dir, std::string body) : body_(std::move(body)) {
    const TimePoint now = SystemClock::Instance().Now();
    TestCert ca = MakeTestCert(CaOptions("api CA", now)).value();
    TestCertOptions leaf;
    leaf.common_name = "127.0.0.1";
    leaf.not_before = now - std::chrono::hours(1);
    leaf.not_after = now + std::chrono::hours(24);
    leaf.basic_constraints = "critical,CA:FALSE";
    leaf.key_usage = "critical,digitalSignature";
    leaf.ext_key_usage = "serverAuth";
    leaf.subject_alt_name = "IP:127.0.0.1";
    TestCert cert = MakeTestCert(leaf, &ca).value();
    ca_file = dir / "api-ca.pem";
    token_file = dir / "token";
    EXPECT_TRUE(WriteFileAtomically(ca_file, crypto::CertificateToPem(ca.cert.get()).value()).ok());
    EXPECT_TRUE(WriteFileAtomically(token_file, "pod-token\n").ok());
    EXPECT_TRUE(
        WriteFileAtomically(dir / "api-cert.pem", crypto::CertificateToPem(cert.cert.get()).value())
            .ok());
    EXPECT_TRUE(WriteFileAtomically(dir / "api-key.pem",
                                    crypto::PrivateKeyToPkcs8Pem(cert.key.get()).value())
                    .ok());
    server_ = std::make_unique<httplib::SSLServer>((dir / "api-cert.pem").c_str(),
                                                   (dir / "api-key.pem").c_str());
    server_->Get("/openid/v1/jwks", [this](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value("Authorization") != "Bearer pod-token") {
        res.status = 401;
        return;
      }
      res.set_content(body_, "application/json");
    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    for (int i = 0; i < 500 && !server_->is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  ~JwksHttpsServer() { Stop(); }
  void Stop() {
    if (!thread_.joinable()) return;
    server_->stop();
    thread_.join();
  }
  std::string url() const {
    return "https://127.0.0.1:" + std::to_string(port_) + "/openid/v1/jwks";
  }
  std::filesystem::path ca_file, token_file;

 private:
  std::string body_;
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  int port_ = 0;
};

grpc::Status IssueWithJwks(TestEnv& env) {
  auto csr = BuildIstioCsr("spiffe://cluster.local/ns/foo/sa/bar");
  EXPECT_TRUE(csr.ok());
  istio::v1::auth::IstioCertificateResponse response;
  return env.CreateCertificate(csr->pem, 3600, env.TokenFor("foo", "bar"), &response);
}

TEST(JwksUrlTest, TokensAreVerifiedAgainstTheFetchedKeysWhichOutliveTheServer) {
  TempDir dir;
  std::unique_ptr<JwksHttpsServer> api;
  auto env = TestEnv::Start([&](server::ServerOptions& o) {
    // TestEnv wrote its signing keys to a file; serve them over HTTPS instead.
    api = std::make_unique<JwksHttpsServer>(dir.path(), ReadFileToString(o.jwks_file).value());
    o.jwks_file.clear();
    o.jwks_url = api->url();
    o.jwks_ca_file = api->ca_file;
    o.jwks_token_file = api->token_file;
  });
  ASSERT_NE(env, nullptr);
  EXPECT_EQ(env->options().jwks_file, "");
  EXPECT_TRUE(IssueWithJwks(*env).ok());

  api->Stop();  // the API server goes away: a refresh fails, the keys stay
  env->clock().Advance(std::chrono::minutes(6));
  (void)env->server().RunMaintenance();
  EXPECT_TRUE(IssueWithJwks(*env).ok());
}

TEST(JwksUrlTest, SviddRefusesToStartWhenTheFirstFetchFails) {
  TempDir dir;
  JwksHttpsServer api(dir.path(), "{}");
  server::ServerOptions options;
  options.data_dir = dir.path() / "data";
  options.listen = "127.0.0.1:0";
  options.jwt_issuer = "https://kubernetes.default.svc.cluster.local";
  options.jwks_url = api.url();
  options.jwks_ca_file = api.ca_file;
  options.jwks_token_file = api.token_file;
  FakeClock clock(SystemClock::Instance().Now());
  auto server = server::SviddServer::Start(options, clock);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(server.status().message().find("JWKS from " + api.url()), absl::string_view::npos)
      << server.status();
}

}  // namespace
}  // namespace svidd::testing
