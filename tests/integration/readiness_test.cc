// Readiness against a ledger that really stops taking writes: the file-size limit of this
// process (RLIMIT_FSIZE) is lowered below the size of the ledger's files, so every write
// SQLite makes fails with EFBIG as on a full disk. Three probe writes in a row failing turn
// svidd not ready (gRPC health NOT_SERVING, /readyz 503, svidd_serving 0); the first probe
// write that succeeds once the limit is raised again turns it ready.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/resource.h>

#include <regex>
#include <string>

#include "integration/ca_client.h"
#include "integration/test_env.h"
#include "support/metrics/prometheus_text.h"
#include "support/pki/csr_builder.h"

namespace svidd::testing {
namespace {

// Lowers the soft file-size limit for its lifetime. SIGXFSZ is ignored so a refused write
// is an error (EFBIG), not the end of the test process.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::signal(SIGXFSZ, SIG_IGN);
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    rlimit lowered = saved_;
    lowered.rlim_cur = bytes;
    ok_ = ::setrlimit(RLIMIT_FSIZE, &lowered) == 0;
  }
  ~FileSizeLimit() { Restore(); }
  void Restore() {
    if (ok_) ::setrlimit(RLIMIT_FSIZE, &saved_);
    ok_ = false;
  }
  bool ok() const { return ok_; }

 private:
  rlimit saved_{};
  bool ok_ = false;
};

struct Probe {
  int status = -1;
  std::string body;
};

Probe ReadyZ(TestEnv& env) {
  httplib::Client client("127.0.0.1", env.server().metrics_port());
  client.set_connection_timeout(std::chrono::seconds(5));
  httplib::Result res = client.Get("/readyz");
  return res ? Probe{res->status, res->body} : Probe{};
}

grpc::Status IssueOnce(TestEnv& env) {
  auto csr = BuildIstioCsr("spiffe://cluster.local/ns/foo/sa/bar");
  EXPECT_TRUE(csr.ok());
  istio::v1::auth::IstioCertificateResponse response;
  return env.CreateCertificate(csr->pem, 3600, env.TokenFor("foo", "bar"), &response);
}

TEST(ReadinessTest, AFailingLedgerMakesSviddNotReadyUntilAProbeWriteSucceeds) {
  auto env = TestEnv::Start([](server::ServerOptions& o) { o.metrics_listen = "127.0.0.1:0"; });
  ASSERT_NE(env, nullptr);
  ASSERT_TRUE(env->server().RunMaintenance().ok());
  EXPECT_TRUE(env->server().serving());
  EXPECT_TRUE(HealthSaysServing(env->Channel()));
  EXPECT_EQ(ReadyZ(*env).status, 200);

  FileSizeLimit full(1);
  ASSERT_TRUE(full.ok());
  // The background loop probes once a second too; three failures in a row suffice either way.
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(env->server().RunMaintenance().ok());
  EXPECT_FALSE(env->server().serving());
  EXPECT_FALSE(HealthSaysServing(env->Channel())) << "gRPC health follows the same readiness";
  EXPECT_EQ(IssueOnce(*env).error_code(), grpc::StatusCode::UNAVAILABLE)
      << "the certificate cannot be recorded, so it is withheld";
  Probe not_ready = ReadyZ(*env);
  EXPECT_EQ(not_ready.status, 503);
  // At least the three above: the background loop's own probe may have failed once more.
  std::smatch failed;
  ASSERT_TRUE(
      std::regex_search(not_ready.body, failed,
                        std::regex("ledger: not ready: ([0-9]+) ledger writes in a row failed")))
      << not_ready.body;
  EXPECT_GE(std::stoi(failed[1].str()), 3) << not_ready.body;
  EXPECT_NE(not_ready.body.find("ca: ok"), std::string::npos) << not_ready.body;

  full.Restore();
  EXPECT_TRUE(env->server().RunMaintenance().ok());
  EXPECT_TRUE(env->server().serving());
  EXPECT_TRUE(HealthSaysServing(env->Channel()));
  EXPECT_EQ(ReadyZ(*env).status, 200);
  EXPECT_TRUE(IssueOnce(*env).ok());

  httplib::Client client("127.0.0.1", env->server().metrics_port());
  auto scraped = PrometheusText::Parse(client.Get("/metrics")->body);
  ASSERT_TRUE(scraped.ok());
  EXPECT_GE(scraped->Value("svidd_ledger_write_errors_total").value_or(0), 3);
  EXPECT_EQ(scraped->Value("svidd_readiness_condition", {{"condition", "ledger"}}), 1);
}

TEST(ReadinessTest, AConditionAnotherPartFeedsTurnsHealthNotServing) {
  auto env = TestEnv::Start([](server::ServerOptions& o) { o.metrics_listen = "127.0.0.1:0"; });
  ASSERT_NE(env, nullptr);
  ASSERT_TRUE(HealthSaysServing(env->Channel()));
  env->server().readiness().Set("fd-headroom", false, "too few file descriptors left");
  EXPECT_FALSE(env->server().serving());
  EXPECT_FALSE(HealthSaysServing(env->Channel()));
  EXPECT_EQ(ReadyZ(*env).status, 503);
}

}  // namespace
}  // namespace svidd::testing
