// --metrics-listen against the real server: what svidd did (issuance over both APIs, its own
// CA and serving certificates, refusals, a rotation stream and its renewal request, health)
// read back from GET /metrics over loopback, exactly; the CA expiry gauge follows a CA
// rotation; and with the flag off nothing but the gRPC port listens.
#include <dirent.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "integration/rotation_client.h"
#include "integration/test_env.h"
#include "support/metrics/prometheus_text.h"
#include "support/pki/csr_builder.h"
#include "svidd/ca/ca_operations.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/x509_fields.h"

namespace svidd::testing {
namespace {

constexpr char kIssued[] = "svidd_certificates_issued_total";
constexpr char kRefused[] = "svidd_requests_refused_total";
constexpr char kExpiry[] = "svidd_ca_certificate_expiry_timestamp_seconds";

std::unique_ptr<TestEnv> StartWithMetrics() {
  return TestEnv::Start([](server::ServerOptions& o) { o.metrics_listen = "127.0.0.1:0"; });
}

PrometheusText Scrape(const TestEnv& env) {
  httplib::Client client("127.0.0.1", const_cast<TestEnv&>(env).server().metrics_port());
  client.set_connection_timeout(std::chrono::seconds(5));
  httplib::Result res = client.Get("/metrics");
  EXPECT_TRUE(res) << httplib::to_string(res.error());
  if (!res) return PrometheusText();
  EXPECT_EQ(res->status, 200);
  auto parsed = PrometheusText::Parse(res->body);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *std::move(parsed) : PrometheusText();
}

double Issued(const PrometheusText& m, const char* kind, const char* api) {
  return m.Value(kIssued, {{"kind", kind}, {"api", api}}).value_or(-1);
}

std::string ExpiredToken(const TestEnv& env) {
  TokenSpec spec;
  spec.issuer = kTestIssuer;
  spec.ns = "foo";
  spec.sa = "bar";
  spec.iat = const_cast<TestEnv&>(env).clock().Now() - std::chrono::hours(3);  // exp 2h ago
  return MintToken(env.signing_key(), spec);
}

void IssueOverIstio(const TestEnv& env, const std::string& sa) {
  auto csr = BuildIstioCsr("spiffe://cluster.local/ns/foo/sa/" + sa);
  ASSERT_TRUE(csr.ok()) << csr.status();
  istio::v1::auth::IstioCertificateResponse response;
  grpc::Status status = env.CreateCertificate(csr->pem, 3600, env.TokenFor("foo", sa), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
}

// Ports of TCP sockets this process listens on (/proc/net/tcp{,6} rows whose inode is one of
// our file descriptors).
std::set<int> ListeningPortsOfThisProcess() {
  std::set<std::string> inodes;
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    while (dirent* entry = ::readdir(dir)) {
      std::error_code ec;
      const std::string t =
          std::filesystem::read_symlink(std::string("/proc/self/fd/") + entry->d_name, ec).string();
      if (!ec && t.starts_with("socket:[")) inodes.insert(t.substr(8, t.size() - 9));
    }
    ::closedir(dir);
  }
  std::set<int> ports;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream row(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      row >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >>
          inode;
      if (state != "0A" || !inodes.contains(inode)) continue;  // 0A: LISTEN
      ports.insert(std::stoi(local.substr(local.rfind(':') + 1), nullptr, 16));
    }
  }
  return ports;
}

TEST(MetricsTest, CountsWhatTheServerDidExactly) {
  auto env = StartWithMetrics();
  ASSERT_NE(env, nullptr);
  ASSERT_GT(env->server().metrics_port(), 0);
  EXPECT_EQ(ListeningPortsOfThisProcess(),
            (std::set<int>{env->server().port(), env->server().metrics_port()}));

  IssueOverIstio(*env, "bar");
  IssueOverIstio(*env, "baz");
  // Refused once over each API.
  auto csr = BuildIstioCsr("spiffe://cluster.local/ns/foo/sa/bar");
  ASSERT_TRUE(csr.ok());
  istio::v1::auth::IstioCertificateResponse response;
  EXPECT_EQ(env->CreateCertificate(csr->pem, 3600, ExpiredToken(*env), &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  {
    RotationTestClient refused(env->Channel(), ExpiredToken(*env));
    EXPECT_FALSE(refused.Next().has_value());
    EXPECT_EQ(refused.Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  // A rotation stream: the scheduler pushes the first renewal request; answered, it issues.
  RotationTestClient stream(env->Channel(), env->TokenFor("foo", "qux"));
  auto request = stream.NextNonBundle();
  ASSERT_TRUE(request.has_value() && request->has_renewal_requested());
  auto rotation_csr = BuildIstioCsr("spiffe://cluster.local/ns/foo/sa/qux");
  ASSERT_TRUE(rotation_csr.ok());
  ASSERT_TRUE(stream.SendCsr(rotation_csr->pem, request->renewal_requested().renewal_id()));
  auto issued = stream.NextNonBundle();
  ASSERT_TRUE(issued.has_value() && issued->has_issued()) << issued->ShortDebugString();

  PrometheusText m = Scrape(*env);
  EXPECT_EQ(Issued(m, "workload", "istio"), 2);
  EXPECT_EQ(Issued(m, "workload", "rotation"), 1);
  EXPECT_EQ(Issued(m, "server", "internal"), 1) << "svidd's own serving certificate";
  EXPECT_EQ(Issued(m, "intermediate", "internal"), 1) << "the bootstrap CA";
  EXPECT_EQ(Issued(m, "intermediate", "admin"), 0);
  for (const MetricLabels& labels : m.LabelSets(kIssued)) {
    EXPECT_EQ(labels.size(), 2u);
    EXPECT_TRUE(labels.contains("kind") && labels.contains("api"));
  }
  // Counted once per refusal, whichever API refused it; nothing else was refused.
  EXPECT_EQ(m.Value(kRefused, {{"reason", "unauthenticated/expired-token"}}), 2);
  EXPECT_EQ(m.LabelSets(kRefused).size(), 1u);
  EXPECT_EQ(m.Value("svidd_issuance_duration_seconds_count"), 3);
  EXPECT_GT(m.Value("svidd_issuance_duration_seconds_sum").value_or(0), 0);
  EXPECT_EQ(m.Value("svidd_issuance_duration_seconds_bucket", {{"le", "+Inf"}}), 3);
  EXPECT_EQ(m.Value("svidd_rotation_streams"), 1);
  EXPECT_EQ(m.Value("svidd_renewals_requested_total"), 1);
  EXPECT_EQ(m.Value("svidd_serving"), 1);
  for (const char* condition : {"ca", "serving-certificate", "ledger"}) {
    EXPECT_EQ(m.Value("svidd_readiness_condition", {{"condition", condition}}), 1) << condition;
  }
  EXPECT_EQ(m.Value("svidd_ledger_write_errors_total"), 0);
  // Istio's names count the Istio API only: two issued, one refused by authentication (the
  // rotation stream's refusal and issuance are not CreateCertificate calls).
  EXPECT_EQ(m.Value("citadel_server_csr_count"), 3);
  EXPECT_EQ(m.Value("citadel_server_success_cert_issuance_count"), 2);
  EXPECT_EQ(m.Value("citadel_server_authentication_failure_count"), 1);
  EXPECT_TRUE(m.LabelSets("citadel_server_csr_sign_err_count").empty());
  EXPECT_EQ(m.Value("svidd_build_info",
                    {{"version", SVIDD_PROJECT_VERSION},
                     {"openssl", m.LabelSets("svidd_build_info").front().at("openssl")}}),
            1);

  std::shared_ptr<const pki::Authority> active = env->server().authorities().Get();
  ASSERT_EQ(active->roots().size(), 1u);
  EXPECT_EQ(m.Value(kExpiry, {{"role", "signer"}}),
            static_cast<double>(ToUnixSeconds(active->not_after())));
  EXPECT_EQ(m.Value(kExpiry, {{"role", "root"}}),
            static_cast<double>(ToUnixSeconds(crypto::NotAfter(active->roots().front().get()))));
  EXPECT_EQ(m.Value("citadel_server_cert_chain_expiry_timestamp"),
            static_cast<double>(ToUnixSeconds(active->not_after())));
  EXPECT_EQ(m.Value("citadel_server_root_cert_expiry_timestamp"),
            static_cast<double>(ToUnixSeconds(crypto::NotAfter(active->roots().front().get()))));

  // The stream gauge follows the stream closing.
  stream.Cancel();
  std::optional<double> streams;
  for (int i = 0; i < 100; ++i) {
    streams = Scrape(*env).Value("svidd_rotation_streams");
    if (streams == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(streams, 0);
}

TEST(MetricsTest, IstioSignErrorsAreLabelledByIstiosErrorType) {
  auto env = StartWithMetrics();
  ASSERT_NE(env, nullptr);
  // Authenticated as foo/bar, asking for foo/other: refused after authentication.
  auto csr = BuildIstioCsr("spiffe://cluster.local/ns/foo/sa/other");
  ASSERT_TRUE(csr.ok());
  istio::v1::auth::IstioCertificateResponse response;
  EXPECT_EQ(
      env->CreateCertificate(csr->pem, 3600, env->TokenFor("foo", "bar"), &response).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(env->CreateCertificate("not a CSR", 3600, env->TokenFor("foo", "bar"), &response)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  PrometheusText m = Scrape(*env);
  EXPECT_EQ(m.Value("citadel_server_csr_count"), 2);
  EXPECT_EQ(m.Value("citadel_server_csr_sign_err_count", {{"error", "CSR_ERROR"}}), 2);
  EXPECT_EQ(m.Value("citadel_server_success_cert_issuance_count"), 0);
  EXPECT_EQ(m.Value("citadel_server_authentication_failure_count"), 0);
}

TEST(MetricsTest, CaExpiryFollowsARotationOfTheIntermediate) {
  auto env = StartWithMetrics();
  ASSERT_NE(env, nullptr);
  const TimePoint before = env->server().authorities().Get()->not_after();
  EXPECT_EQ(Scrape(*env).Value(kExpiry, {{"role", "signer"}}),
            static_cast<double>(ToUnixSeconds(before)));

  env->clock().Advance(std::chrono::hours(1));  // so the new signer expires an hour later
  ASSERT_TRUE(env->server().ca_operations().RotateIntermediate().ok());
  std::shared_ptr<const pki::Authority> now_active = env->server().authorities().Get();
  ASSERT_EQ(now_active->not_after(), before + std::chrono::hours(1));

  PrometheusText m = Scrape(*env);
  EXPECT_EQ(m.Value(kExpiry, {{"role", "signer"}}),
            static_cast<double>(ToUnixSeconds(now_active->not_after())));
  EXPECT_EQ(Issued(m, "intermediate", "admin"), 1);
  EXPECT_EQ(Issued(m, "intermediate", "internal"), 1);
}

int HttpStatus(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(std::chrono::seconds(5));
  httplib::Result res = client.Get(path);
  return res ? res->status : -1;
}

TEST(MetricsTest, OneAddressForCrlsAndMetricsIsOneListenerServingBoth) {
  auto env = TestEnv::Start(
      [](server::ServerOptions& o) { o.crl_listen = o.metrics_listen = "127.0.0.1:0"; });
  ASSERT_NE(env, nullptr);
  const int port = env->server().metrics_port();
  ASSERT_GT(port, 0);
  EXPECT_EQ(env->server().crl_port(), port);
  EXPECT_EQ(ListeningPortsOfThisProcess(), (std::set<int>{env->server().port(), port}));
  for (const char* path : {"/metrics", "/healthz", "/readyz", "/ca-crl.pem"}) {
    EXPECT_EQ(HttpStatus(port, path), 200) << path;
  }
}

TEST(MetricsTest, TwoAddressesServeOnlyTheirOwnRoutes) {
  auto env = TestEnv::Start([](server::ServerOptions& o) {
    o.crl_listen = "127.0.0.1:0";
    o.metrics_listen = "127.0.0.2:0";
  });
  ASSERT_NE(env, nullptr);
  const int crl = env->server().crl_port();
  const int ops = env->server().metrics_port();
  ASSERT_GT(crl, 0);
  ASSERT_GT(ops, 0);
  EXPECT_EQ(HttpStatus(crl, "/ca-crl.pem"), 200);
  for (const char* path : {"/metrics", "/healthz", "/readyz"}) {
    EXPECT_EQ(HttpStatus(crl, path), 404) << path << " is not on the CRL port";
  }
  httplib::Client client("127.0.0.2", ops);
  client.set_connection_timeout(std::chrono::seconds(5));
  for (const char* path : {"/metrics", "/healthz", "/readyz"}) {
    httplib::Result res = client.Get(path);
    ASSERT_TRUE(res) << path << ": " << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200) << path;
  }
  httplib::Result crl_on_ops = client.Get("/ca-crl.pem");
  ASSERT_TRUE(crl_on_ops);
  EXPECT_EQ(crl_on_ops->status, 404);
}

TEST(MetricsTest, OffByDefaultAndThenNothingElseListens) {
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  EXPECT_EQ(env->options().metrics_listen, "");
  EXPECT_EQ(env->server().metrics_port(), 0);
  EXPECT_EQ(ListeningPortsOfThisProcess(), std::set<int>{env->server().port()})
      << "only the gRPC port";
}

}  // namespace
}  // namespace svidd::testing
