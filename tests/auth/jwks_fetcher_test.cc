// JwksFetcher against a real HTTPS server on 127.0.0.1 (httplib's SSLServer with a test CA):
// the bearer token and CA are used as in a pod; keys rotate and a token with the new kid
// verifies after one fetch; a 500, a huge body and a server the CA does not vouch for keep
// the last good keys (or, at start, refuse to start).
#include "svidd/auth/jwks_fetcher.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "auth/jwks_key_set.h"
#include "auth/token_test_env.h"
#include "support/pki/test_cert_builder.h"
#include "svidd/auth/kubernetes_token_verifier.h"
#include "svidd/common/atomic_file.h"
#include "svidd/crypto/pem.h"

namespace svidd::testing {
namespace {

class TempFiles {
 public:
  TempFiles() {
    char pattern[] = "/tmp/jwks-fetcher-XXXXXX";
    dir_ = ::mkdtemp(pattern);
  }
  ~TempFiles() { std::filesystem::remove_all(dir_); }
  std::filesystem::path Write(const std::string& name, const std::string& text) {
    std::filesystem::path path = dir_ / name;
    EXPECT_TRUE(WriteFileAtomically(path, text).ok());
    return path;
  }

 private:
  std::filesystem::path dir_;
};

// A CA and a server certificate for 127.0.0.1 it signed, as PEM files.
struct TestTls {
  std::filesystem::path ca, cert, key;
};

TestTls MakeTls(TempFiles& files, const std::string& name) {
  const TimePoint now = SystemClock::Instance().Now();
  TestCert ca = MakeTestCert(CaOptions(name + " CA", now)).value();
  TestCertOptions leaf;
  leaf.common_name = "127.0.0.1";
  leaf.not_before = now - std::chrono::hours(1);
  leaf.not_after = now + std::chrono::hours(24);
  leaf.basic_constraints = "critical,CA:FALSE";
  leaf.key_usage = "critical,digitalSignature";
  leaf.ext_key_usage = "serverAuth";
  leaf.subject_alt_name = "IP:127.0.0.1";
  TestCert server = MakeTestCert(leaf, &ca).value();
  return TestTls{
      files.Write(name + "-ca.pem", crypto::CertificateToPem(ca.cert.get()).value()),
      files.Write(name + "-cert.pem", crypto::CertificateToPem(server.cert.get()).value()),
      files.Write(name + "-key.pem", crypto::PrivateKeyToPkcs8Pem(server.key.get()).value())};
}

// The API server's /openid/v1/jwks, as far as a client can tell.
class FakeApiServer {
 public:
  explicit FakeApiServer(const TestTls& tls) : server_(tls.cert.c_str(), tls.key.c_str()) {
    server_.Get("/openid/v1/jwks", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      ++requests_;
      if (req.get_header_value("Authorization") != "Bearer pod-token") {
        res.status = 401;
        return;
      }
      res.status = status_;
      res.set_content(body_, "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  ~FakeApiServer() {
    server_.stop();
    thread_.join();
  }
  void Answer(int status, std::string body) {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = status;
    body_ = std::move(body);
  }
  int requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  std::string url() const {
    return "https://127.0.0.1:" + std::to_string(port_) + "/openid/v1/jwks";
  }

 private:
  httplib::SSLServer server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  int status_ = 200;
  std::string body_;
  int requests_ = 0;
};

class JwksFetcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tls_ = MakeTls(files_, "cluster");
    server_ = std::make_unique<FakeApiServer>(tls_);
    k1_ = MakeRs256Key("k1").value();
    k2_ = MakeEs256Key("k2").value();
    server_->Answer(200, JwksJson({&k1_}));
  }
  auth::JwksFetcherOptions Options() {
    auth::JwksFetcherOptions o;
    o.url = server_->url();
    o.ca_file = tls_.ca;
    o.token_file = files_.Write("token", "pod-token\n");
    o.refresh_interval = std::chrono::seconds(300);
    o.min_interval = std::chrono::seconds(10);
    return o;
  }
  std::string TokenFrom(const TestSigningKey& key) {
    TokenSpec spec;
    spec.issuer = kTestIssuer;
    spec.ns = "foo";
    spec.sa = "bar";
    spec.iat = clock_.Now();
    return MintToken(key, spec);
  }

  FakeClock clock_{SystemClock::Instance().Now()};
  TempFiles files_;
  TestTls tls_;
  std::unique_ptr<FakeApiServer> server_;
  TestSigningKey k1_, k2_;
};

TEST_F(JwksFetcherTest, FetchesWithTheBearerTokenAndFollowsKeyRotation) {
  auto fetcher = auth::JwksFetcher::Create(Options(), clock_);
  ASSERT_TRUE(fetcher.ok()) << fetcher.status();
  ASSERT_EQ((*fetcher)->Current()->keys().size(), 1u);
  auth::KubernetesTokenVerifierOptions verify;
  verify.jwks_fetcher = fetcher->get();
  verify.issuer = kTestIssuer;
  auto verifier = auth::KubernetesTokenVerifier::Create(verify, clock_);
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  EXPECT_TRUE((*verifier)->Verify(TokenFrom(k1_)).ok());

  // The issuer rotates to k2. A token naming k2 makes the fetcher look again at once.
  server_->Answer(200, JwksJson({&k1_, &k2_}));
  clock_.Advance(std::chrono::seconds(11));
  const int before = server_->requests();
  auto claims = (*verifier)->Verify(TokenFrom(k2_));
  EXPECT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(server_->requests(), before + 1);

  // An unknown kid again within min_interval: refused without another fetch.
  TestSigningKey k3 = MakeEs256Key("k3").value();
  EXPECT_EQ((*verifier)->Verify(TokenFrom(k3)).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(server_->requests(), before + 1) << "rate-limited";

  // Regular refresh: only once refresh_interval has passed.
  server_->Answer(200, JwksJson({&k2_}));
  (*fetcher)->MaybeRefresh();
  EXPECT_EQ(server_->requests(), before + 1);
  clock_.Advance(std::chrono::seconds(300));
  (*fetcher)->MaybeRefresh();
  EXPECT_EQ(server_->requests(), before + 2);
  EXPECT_EQ((*fetcher)->Current()->keys().size(), 1u);
  EXPECT_EQ((*verifier)->Verify(TokenFrom(k1_)).status().code(), absl::StatusCode::kUnauthenticated)
      << "k1 was withdrawn";
}

TEST_F(JwksFetcherTest, A500OrAHugeBodyOrGarbageKeepsTheLastGoodKeys) {
  auto fetcher = auth::JwksFetcher::Create(Options(), clock_);
  ASSERT_TRUE(fetcher.ok()) << fetcher.status();
  std::shared_ptr<const auth::JwksKeySet> good = (*fetcher)->Current();
  struct Case {
    const char* name;
    int status;
    std::string body;
    const char* fragment;
  } cases[] = {
      {"500", 500, "oops", "HTTP status 500"},
      {"huge", 200, std::string(2 << 20, ' '), "larger than 1048576 bytes"},
      {"not a JWKS", 200, "{\"keys\": 7}", "keys"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    server_->Answer(c.status, c.body);
    absl::Status s = (*fetcher)->FetchNow();
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find(c.fragment), absl::string_view::npos) << s;
    EXPECT_EQ((*fetcher)->Current(), good);
  }
  EXPECT_EQ((*fetcher)->stats().failures, 3);
}

TEST_F(JwksFetcherTest, AServerTheCaDoesNotVouchForIsRefused) {
  TestTls other = MakeTls(files_, "elsewhere");
  auth::JwksFetcherOptions options = Options();
  options.ca_file = other.ca;
  auto fetcher = auth::JwksFetcher::Create(options, clock_);
  ASSERT_FALSE(fetcher.ok());
  EXPECT_EQ(fetcher.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(fetcher.status().message().find(
                "SSLServerVerification (unable to get local issuer certificate)"),
            absl::string_view::npos)
      << fetcher.status();
  EXPECT_EQ(server_->requests(), 0) << "no request reached the server";
}

TEST_F(JwksFetcherTest, AWrongTokenOrABadUrlIsAClearError) {
  auth::JwksFetcherOptions options = Options();
  options.token_file = files_.Write("token", "someone-else\n");
  auto fetcher = auth::JwksFetcher::Create(options, clock_);
  ASSERT_FALSE(fetcher.ok());
  EXPECT_NE(fetcher.status().message().find("HTTP status 401"), absl::string_view::npos)
      << fetcher.status();
  for (const char* bad : {"http://127.0.0.1/jwks", "https://", "https://host:99999/x"}) {
    SCOPED_TRACE(bad);
    options.url = bad;
    EXPECT_EQ(auth::JwksFetcher::Create(options, clock_).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace svidd::testing
