#include "svidd/publish/http_routes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include "absl/strings/ascii.h"
#include "prometheus/registry.h"
#include "support/metrics/prometheus_text.h"
#include "support/pki/external_verify.h"
#include "svidd/common/mutex.h"
#include "svidd/crypto/pem.h"
#include "svidd/metrics/server_metrics.h"

namespace svidd::publish {
namespace {

using ::testing::HasSubstr;

// Real CRLs of two test CAs, served on an ephemeral loopback port and fetched over TCP.
class CrlRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 2; ++i) {
      auto ca = testing::MakeTestAuthority(SystemClock::Instance().Now());
      ASSERT_TRUE(ca.ok()) << ca.status();
      pki::CrlSpec spec;
      spec.this_update = SystemClock::Instance().Now();
      spec.number = 10 + i;
      spec.revoked = {{"0abc", spec.this_update, pki::RevocationReason::kKeyCompromise}};
      auto crl = BuildCrl((*ca)->signing_cert(), (*ca)->signing_key(), spec);
      ASSERT_TRUE(crl.ok()) << crl.status();
      cas_.push_back(*ca);
      crls_.push_back(std::make_shared<const pki::Crl>(*std::move(crl)));
    }
    Publish(std::make_shared<const CrlSet>(11, crls_));
    auto server =
        HttpListener::Start("--crl-listen", "127.0.0.1:0", CrlRoutes([this] { return Current(); }));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ASSERT_GT(server_->port(), 0);
  }

  httplib::Result Get(const std::string& path) {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_connection_timeout(std::chrono::seconds(5));
    return client.Get(path);
  }

  std::vector<std::shared_ptr<const pki::Authority>> cas_;
  std::vector<std::shared_ptr<const pki::Crl>> crls_;
  // What the routes serve, replaced by the test between requests. Locked: the request and its
  // response order the test's write before the handler's read only through a socket, which
  // TSan does not see inside cpp-httplib (tools/tsan.supp).
  void Publish(std::shared_ptr<const CrlSet> set) {
    MutexLock lock(&mu_);
    set_ = std::move(set);
  }
  std::shared_ptr<const CrlSet> Current() {
    MutexLock lock(&mu_);
    return set_;
  }
  Mutex mu_;
  std::shared_ptr<const CrlSet> set_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<HttpListener> server_;
};

TEST_F(CrlRoutesTest, ServesEachIssuersCrlAsDer) {
  for (size_t i = 0; i < crls_.size(); ++i) {
    const std::string serial = cas_[i]->signer_serial_hex();
    SCOPED_TRACE(serial);
    for (const std::string& spelling : {serial, absl::AsciiStrToUpper(serial)}) {
      httplib::Result res = Get(pki::CrlPath(spelling));
      ASSERT_TRUE(res) << httplib::to_string(res.error());
      EXPECT_EQ(res->status, 200);
      EXPECT_EQ(res->get_header_value("Content-Type"), "application/pkix-crl");
      EXPECT_EQ(res->body, crls_[i]->der);
    }
  }
  auto fetched = crypto::ParseCrlDer(Get(pki::CrlPath(cas_[0]->signer_serial_hex()))->body);
  ASSERT_TRUE(fetched.ok()) << fetched.status();
  absl::Status verified = testing::OpensslCrlVerify(crypto::CrlToPem(fetched->get()).value(),
                                                    cas_[0]->chain_pem().front());
  EXPECT_TRUE(verified.ok()) << verified;
}

TEST_F(CrlRoutesTest, ServesEveryCrlAsPem) {
  httplib::Result res = Get("/ca-crl.pem");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, Current()->Pem());
  auto parsed = crypto::ParseCrlsPem(res->body);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->size(), 2u);
}

TEST_F(CrlRoutesTest, UnknownIssuersAndPathsAre404) {
  for (const char* path : {"/crl/00.crl", "/crl/zz.crl", "/crl/.crl", "/crl/", "/", "/ca-crl"}) {
    SCOPED_TRACE(path);
    httplib::Result res = Get(path);
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 404);
  }
  Publish(std::make_shared<const CrlSet>());
  EXPECT_EQ(Get("/ca-crl.pem")->status, 404) << "nothing published yet";
  EXPECT_EQ(Get(pki::CrlPath(cas_[0]->signer_serial_hex()))->status, 404);
}

TEST_F(CrlRoutesTest, ServesWhatIsCurrentAtEachRequest) {
  Publish(
      std::make_shared<const CrlSet>(12, std::vector<std::shared_ptr<const pki::Crl>>{crls_[1]}));
  EXPECT_EQ(Get(pki::CrlPath(cas_[0]->signer_serial_hex()))->status, 404);
  EXPECT_EQ(Get(pki::CrlPath(cas_[1]->signer_serial_hex()))->body, crls_[1]->der);
}

TEST_F(CrlRoutesTest, StopsCleanlyAndRefusesBadAddresses) {
  const int port = server_->port();
  server_->Stop();
  server_->Stop();  // idempotent
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(std::chrono::seconds(1));
  EXPECT_FALSE(client.Get("/ca-crl.pem"));

  auto source = [this] { return Current(); };
  for (const char* bad : {"8080", ":8080", "127.0.0.1:http", "127.0.0.1:70000"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(HttpListener::Start("--crl-listen", bad, CrlRoutes(source)).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
  auto first = HttpListener::Start("--crl-listen", "127.0.0.1:0", CrlRoutes(source));
  ASSERT_TRUE(first.ok()) << first.status();
  auto taken = HttpListener::Start("--crl-listen", "127.0.0.1:" + std::to_string((*first)->port()),
                                   CrlRoutes(source));
  EXPECT_EQ(taken.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(taken.status().message()), HasSubstr("cannot listen"));
}

httplib::Result GetFrom(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(std::chrono::seconds(5));
  return client.Get(path);
}

TEST(MetricsRoutesTest, ServesTheRegistryAtMetrics) {
  metrics::ServerMetrics metrics;
  metrics.RecordRenewalRequested();
  auto server =
      HttpListener::Start("--metrics-listen", "127.0.0.1:0", MetricsRoutes(metrics.registry()));
  ASSERT_TRUE(server.ok()) << server.status();
  httplib::Result res = GetFrom((*server)->port(), "/metrics");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  auto m = testing::PrometheusText::Parse(res->body);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->Value("svidd_renewals_requested_total"), 1);
  EXPECT_EQ(GetFrom((*server)->port(), "/crl/00.crl")->status, 404) << "only its own routes";
}

TEST(ProbeRoutesTest, HealthzIsAliveAndReadyzFollowsEveryCondition) {
  Readiness readiness;
  auto server = HttpListener::Start("--metrics-listen", "127.0.0.1:0", ProbeRoutes(readiness));
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = (*server)->port();
  EXPECT_EQ(GetFrom(port, "/healthz")->status, 200);
  EXPECT_EQ(GetFrom(port, "/readyz")->status, 503) << "nothing reported yet";
  readiness.Set("ca", true);
  readiness.Set("ledger", true);
  EXPECT_EQ(GetFrom(port, "/readyz")->status, 200);
  readiness.Set("ledger", false, "disk full");
  httplib::Result res = GetFrom(port, "/readyz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(res->body, "ca: ok\nledger: not ready: disk full\n");
  EXPECT_EQ(GetFrom(port, "/healthz")->status, 200) << "alive even when not ready";
}

}  // namespace
}  // namespace svidd::publish
