// ServerMetrics as Prometheus sees it: the registry serialized by prometheus-cpp's own text
// serializer and read back, so names, types, labels and values are checked as scraped.
#include "svidd/metrics/server_metrics.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "support/metrics/prometheus_text.h"
#include "support/pki/test_cert_builder.h"
#include "svidd/common/refusal.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/x509_fields.h"

namespace svidd::metrics {
namespace {

using std::chrono::hours;
using testing::PrometheusText;

PrometheusText Scrape(const ServerMetrics& metrics) {
  std::string text = prometheus::TextSerializer().Serialize(metrics.registry()->Collect());
  auto parsed = PrometheusText::Parse(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status() << "\n" << text;
  return parsed.ok() ? *std::move(parsed) : PrometheusText();
}

TEST(ServerMetricsTest, FamiliesHaveTheirTypesAndStartAtZero) {
  ServerMetrics metrics;
  PrometheusText m = Scrape(metrics);
  struct Family {
    const char* name;
    const char* type;
  } families[] = {
      {"svidd_certificates_issued_total", "counter"},
      {"svidd_issuance_duration_seconds", "histogram"},
      {"svidd_rotation_streams", "gauge"},
      {"svidd_renewals_requested_total", "counter"},
      {"svidd_ca_certificate_expiry_timestamp_seconds", "gauge"},
      {"svidd_serving", "gauge"},
      {"svidd_ledger_write_errors_total", "counter"},
      {"svidd_connections_shed_total", "counter"},
      {"svidd_accept_descriptors_exhausted_total", "counter"},
      {"svidd_build_info", "gauge"},
      // Istio's, typed as istiod exports them (monitoring.NewSum / NewGauge).
      {"citadel_server_csr_count", "counter"},
      {"citadel_server_authentication_failure_count", "counter"},
      {"citadel_server_success_cert_issuance_count", "counter"},
      {"citadel_server_root_cert_expiry_timestamp", "gauge"},
      {"citadel_server_cert_chain_expiry_timestamp", "gauge"},
  };
  for (const Family& f : families) {
    SCOPED_TRACE(f.name);
    EXPECT_EQ(m.Type(f.name), f.type);
  }
  EXPECT_EQ(m.Value("svidd_serving"), 0);
  EXPECT_EQ(m.Value("svidd_rotation_streams"), 0);
  EXPECT_EQ(m.Value("svidd_renewals_requested_total"), 0);
  EXPECT_EQ(m.Value("svidd_issuance_duration_seconds_count"), 0);
  // Issuance series that occur exist at 0, so the first increment is seen by rate().
  EXPECT_EQ(m.Value("svidd_certificates_issued_total", {{"kind", "workload"}, {"api", "istio"}}),
            0);
  EXPECT_EQ(m.LabelSets("svidd_certificates_issued_total").size(), 5u);
  // Refusal reasons appear with the first refusal of each (see the next test).
  EXPECT_TRUE(m.LabelSets("svidd_requests_refused_total").empty());
}

// The connection cap keeps running totals; the counters follow them, adding each growth once.
TEST(ServerMetricsTest, ConnectionCapCountersFollowTheCapsTotals) {
  ServerMetrics metrics;
  EXPECT_EQ(Scrape(metrics).Value("svidd_connections_shed_total"), 0);
  metrics.SyncConnectionCap(5, 0);
  metrics.SyncConnectionCap(5, 0);  // no growth, nothing added
  metrics.SyncConnectionCap(12, 2);
  PrometheusText m = Scrape(metrics);
  EXPECT_EQ(m.Value("svidd_connections_shed_total"), 12);
  EXPECT_EQ(m.Value("svidd_accept_descriptors_exhausted_total"), 2);
}

TEST(ServerMetricsTest, CountsIssuanceRefusalsRenewalsAndStreams) {
  ServerMetrics metrics;
  metrics.RecordIssued(ledger::CertKind::kWorkload, IssuanceApi::kIstio);
  metrics.RecordIssued(ledger::CertKind::kWorkload, IssuanceApi::kIstio);
  metrics.RecordIssued(ledger::CertKind::kWorkload, IssuanceApi::kRotation);
  metrics.RecordIssued(ledger::CertKind::kIntermediate, IssuanceApi::kAdmin);
  metrics.RecordRefused("unauthenticated/expired-token");
  metrics.RecordRefused("unauthenticated/expired-token");
  metrics.RecordRefused("invalid-argument/csr");
  metrics.RecordRenewalRequested();
  metrics.SetRotationStreams(3);
  metrics.SetServing(true);

  PrometheusText m = Scrape(metrics);
  const char* issued = "svidd_certificates_issued_total";
  EXPECT_EQ(m.Value(issued, {{"kind", "workload"}, {"api", "istio"}}), 2);
  EXPECT_EQ(m.Value(issued, {{"kind", "workload"}, {"api", "rotation"}}), 1);
  EXPECT_EQ(m.Value(issued, {{"kind", "intermediate"}, {"api", "admin"}}), 1);
  EXPECT_EQ(m.Value(issued, {{"kind", "intermediate"}, {"api", "internal"}}), 0);
  EXPECT_EQ(m.Value(issued, {{"kind", "server"}, {"api", "internal"}}), 0);
  const char* refused = "svidd_requests_refused_total";
  EXPECT_EQ(m.Type(refused), "counter");
  EXPECT_EQ(m.Value(refused, {{"reason", "unauthenticated/expired-token"}}), 2);
  EXPECT_EQ(m.Value(refused, {{"reason", "invalid-argument/csr"}}), 1);
  EXPECT_EQ(m.Value("svidd_renewals_requested_total"), 1);
  EXPECT_EQ(m.Value("svidd_rotation_streams"), 3);
  EXPECT_EQ(m.Value("svidd_serving"), 1);
  metrics.SetServing(false);
  EXPECT_EQ(Scrape(metrics).Value("svidd_serving"), 0);
}

TEST(ServerMetricsTest, IssuanceDurationBucketsSpanHalfAMillisecondToASecond) {
  ServerMetrics metrics;
  metrics.ObserveIssuance(std::chrono::microseconds(300));
  metrics.ObserveIssuance(std::chrono::microseconds(700));
  metrics.ObserveIssuance(std::chrono::milliseconds(40));
  metrics.ObserveIssuance(std::chrono::seconds(3));

  PrometheusText m = Scrape(metrics);
  const char* bucket = "svidd_issuance_duration_seconds_bucket";
  EXPECT_EQ(m.Value(bucket, {{"le", "0.0005"}}), 1);
  EXPECT_EQ(m.Value(bucket, {{"le", "0.001"}}), 2);
  EXPECT_EQ(m.Value(bucket, {{"le", "0.05"}}), 3);
  EXPECT_EQ(m.Value(bucket, {{"le", "1"}}), 3);
  EXPECT_EQ(m.Value(bucket, {{"le", "+Inf"}}), 4);
  EXPECT_EQ(m.LabelSets(bucket).size(), 12u) << "11 bounds and +Inf";
  EXPECT_EQ(m.Value("svidd_issuance_duration_seconds_count"), 4);
  EXPECT_NEAR(m.Value("svidd_issuance_duration_seconds_sum").value_or(0), 3.041, 1e-9);
}

// The signer's NotAfter, and of several published roots the one that expires first.
TEST(ServerMetricsTest, CaExpiryIsTheSignerAndTheEarliestRoot) {
  const TimePoint now = SystemClock::Instance().Now();
  auto root = testing::MakeTestCert(testing::CaOptions("root", now, hours(24 * 3650)));
  auto other_root = testing::MakeTestCert(testing::CaOptions("other root", now, hours(24 * 400)));
  ASSERT_TRUE(root.ok() && other_root.ok());
  auto signer = testing::MakeTestCert(testing::CaOptions("signer", now, hours(24 * 30)), &*root);
  ASSERT_TRUE(signer.ok()) << signer.status();
  const TimePoint signer_not_after = crypto::NotAfter(signer->cert.get());
  const TimePoint other_not_after = crypto::NotAfter(other_root->cert.get());
  pki::CaMaterial material;
  material.signing_cert = std::move(signer->cert);
  material.signing_key = std::move(signer->key);
  material.roots.push_back(std::move(root->cert));
  material.roots.push_back(std::move(other_root->cert));
  auto authority = pki::Authority::Create(std::move(material));
  ASSERT_TRUE(authority.ok()) << authority.status();

  ServerMetrics metrics;
  metrics.SetCaExpiry(**authority);
  PrometheusText m = Scrape(metrics);
  const char* expiry = "svidd_ca_certificate_expiry_timestamp_seconds";
  EXPECT_EQ(m.Value(expiry, {{"role", "signer"}}),
            static_cast<double>(ToUnixSeconds(signer_not_after)));
  EXPECT_EQ(m.Value(expiry, {{"role", "root"}}),
            static_cast<double>(ToUnixSeconds(other_not_after)));
  EXPECT_EQ(m.LabelSets(expiry).size(), 2u);
}

TEST(ServerMetricsTest, BuildInfoNamesTheVersion) {
  PrometheusText m = Scrape(ServerMetrics());
  ASSERT_EQ(m.LabelSets("svidd_build_info").size(), 1u);
  const testing::MetricLabels labels = m.LabelSets("svidd_build_info").front();
  EXPECT_EQ(labels.at("version"), SVIDD_PROJECT_VERSION);
  EXPECT_EQ(labels.at("openssl").rfind("3.", 0), 0u) << labels.at("openssl");
  EXPECT_EQ(m.Value("svidd_build_info", labels), 1);
}

TEST(ServerMetricsTest, IstioCountersSplitOutcomesAsIstiodDoes) {
  struct Case {
    const char* name;
    absl::Status outcome;
    const char* sign_error;  // nullptr: not a sign error
  } cases[] = {
      {"issued", absl::OkStatus(), nullptr},
      {"bad token", Refuse(Refusal::kExpiredToken, "token expired at ..."), nullptr},
      {"bad csr", Refuse(Refusal::kCsr, "CSR has two URI SANs"), "CSR_ERROR"},
      {"other identity", Refuse(Refusal::kIdentity, "asks for ns/x"), "CSR_ERROR"},
      {"no ca", Refuse(Refusal::kCaNotReady, "CA not ready: no signing authority loaded"),
       "CA_NOT_READY"},
      {"ledger", Refuse(Refusal::kLedger, "could not record the certificate in the ledger"),
       "CERT_GEN_ERROR"},
      {"signing", Refuse(Refusal::kSigning, "signing failed: ..."), "CERT_GEN_ERROR"},
      {"rate limit", Refuse(Refusal::kRateLimited, "slow down"), nullptr},
  };
  ServerMetrics metrics;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const char* type = IstioSignErrorType(c.outcome);
    EXPECT_EQ(type == nullptr ? "" : std::string(type), c.sign_error ? c.sign_error : "");
    metrics.RecordIstioCsr(c.outcome);
  }
  PrometheusText m = Scrape(metrics);
  EXPECT_EQ(m.Value("citadel_server_csr_count"), 8);
  EXPECT_EQ(m.Value("citadel_server_success_cert_issuance_count"), 1);
  EXPECT_EQ(m.Value("citadel_server_authentication_failure_count"), 1);
  EXPECT_EQ(m.Value("citadel_server_csr_sign_err_count", {{"error", "CSR_ERROR"}}), 2);
  EXPECT_EQ(m.Value("citadel_server_csr_sign_err_count", {{"error", "CA_NOT_READY"}}), 1);
  EXPECT_EQ(m.Value("citadel_server_csr_sign_err_count", {{"error", "CERT_GEN_ERROR"}}), 2);
  EXPECT_EQ(m.LabelSets("citadel_server_csr_sign_err_count").size(), 3u);
  EXPECT_EQ(m.Type("citadel_server_csr_sign_err_count"), "counter") << "a family: from the first";
  metrics.SetReadinessCondition("ledger", false);
  metrics.SetReadinessCondition("ca", true);
  PrometheusText after = Scrape(metrics);
  EXPECT_EQ(after.Type("svidd_readiness_condition"), "gauge");
  EXPECT_EQ(after.Value("svidd_readiness_condition", {{"condition", "ledger"}}), 0);
  EXPECT_EQ(after.Value("svidd_readiness_condition", {{"condition", "ca"}}), 1);
}

}  // namespace
}  // namespace svidd::metrics
