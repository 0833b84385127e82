// svidd_certificates_expiring_without_successor against the real server with a fake clock:
// after each move of the clock the scraped gauge equals the number of active workload
// certificates with less than a quarter of their own life left that no later certificate of the
// same identity follows and no renewal names as superseded, both as the scenario says by hand
// and as an independent count over every row of the ledger. Fresh certificates never count,
// however short their life.
#include <gtest/gtest.h>
#include <httplib.h>

#include "integration/rotation_client.h"
#include "integration/test_env.h"
#include "server/expiring_certificates_gauge.h"
#include "support/metrics/prometheus_text.h"
#include "support/pki/csr_builder.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"

namespace svidd::testing {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr char kGauge[] = "svidd_certificates_expiring_without_successor";
constexpr double kFraction = 0.25;  // the default --renewal-overdue-fraction

std::string IdOf(const std::string& sa) { return "spiffe://cluster.local/ns/foo/sa/" + sa; }

class ExpiringWithoutSuccessorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = TestEnv::Start([](server::ServerOptions& o) {
      o.metrics_listen = "127.0.0.1:0";
      o.renewal_overdue_fraction = kFraction;
    });
    ASSERT_NE(env_, nullptr);
    t0_ = env_->clock().Now();
  }

  // A one-hour certificate over the Istio API; its serial.
  std::string Issue(const std::string& sa, seconds ttl = hours(1)) {
    auto csr = BuildIstioCsr(IdOf(sa));
    EXPECT_TRUE(csr.ok()) << csr.status();
    istio::v1::auth::IstioCertificateResponse response;
    grpc::Status status =
        env_->CreateCertificate(csr->pem, ttl.count(), env_->TokenFor("foo", sa), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok()) return "";
    return crypto::SerialHex(crypto::ParseCertificatePem(response.cert_chain(0)).value().get());
  }

  // Moves the clock to t0 + `since` (past the gauge's counting interval since the last count),
  // runs the maintenance pass, scrapes.
  double GaugeAt(seconds since) {
    const auto advance = t0_ + since - env_->clock().Now();
    EXPECT_GE(advance, seconds(30));
    env_->clock().Advance(std::chrono::duration_cast<seconds>(advance));
    (void)env_->server().RunMaintenance();
    httplib::Client client("127.0.0.1", env_->server().metrics_port());
    client.set_connection_timeout(seconds(5));
    httplib::Result res = client.Get("/metrics");
    EXPECT_TRUE(res && res->status == 200);
    if (!res) return -1;
    auto parsed = PrometheusText::Parse(res->body);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(parsed->Type(kGauge), "gauge");
    return parsed->Value(kGauge).value_or(-1);
  }

  // The definition, applied row by row to everything in the ledger (no SQL): less than a
  // quarter of the life from issuance to NotAfter left, unexpired, no successor.
  int64_t CountedByHand() {
    auto all = env_->server().ledger().ListCertificates(ledger::CertificateFilter{});
    EXPECT_TRUE(all.ok()) << all.status();
    const TimePoint now = env_->clock().Now();
    int64_t count = 0;
    for (const ledger::CertificateRecord& r : *all) {
      if (r.kind != ledger::CertKind::kWorkload || r.status != ledger::CertStatus::kActive ||
          r.auth_method == ledger::kOperatorAuthMethod || r.not_after <= now) {
        continue;
      }
      const std::chrono::duration<double> left = r.not_after - now;
      const std::chrono::duration<double> life = r.not_after - r.issued_at;
      if (left >= kFraction * life) continue;
      bool followed = false;
      for (const ledger::CertificateRecord& other : *all) {
        const bool later = other.issued_at > r.issued_at ||
                           (other.issued_at == r.issued_at && other.serial_hex > r.serial_hex);
        followed = followed || (other.spiffe_id == r.spiffe_id && later) ||
                   other.supersedes_serial_hex == r.serial_hex;
      }
      if (!followed) ++count;
    }
    return count;
  }

  std::unique_ptr<TestEnv> env_;
  TimePoint t0_;
};

TEST_F(ExpiringWithoutSuccessorTest, CountsCertificatesShortOfLifeWithoutASuccessor) {
  // t0: a, b, d for an hour; c for a day; d revoked; r on a stream.
  const std::string a1 = Issue("a");
  Issue("b");
  Issue("c", hours(24));
  const std::string d = Issue("d");
  ASSERT_TRUE(
      env_->server().ledger().RevokeCertificate(d, "keyCompromise", env_->clock().Now()).ok());
  RotationTestClient stream(env_->Channel(), env_->TokenFor("foo", "r"));
  auto asked = stream.NextNonBundle();
  ASSERT_TRUE(asked.has_value() && asked->has_renewal_requested());
  ASSERT_TRUE(stream.SendCsr(BuildIstioCsr(IdOf("r")).value().pem,
                             asked->renewal_requested().renewal_id(), 3600));
  auto r1 = stream.NextNonBundle();
  ASSERT_TRUE(r1.has_value() && r1->has_issued()) << r1->ShortDebugString();
  // Fresh certificates are not overdue, however short their life (a fixed window of 2h
  // counted every one of these 1h certificates from the moment it was issued).
  EXPECT_EQ(GaugeAt(seconds(31)), 0);
  EXPECT_EQ(CountedByHand(), 0);

  // t0+10m: a renewed over the Istio API (a later certificate of its identity), r on its
  // stream (the renewal names r1 as superseded).
  env_->clock().Advance(minutes(10));
  const std::string a2 = Issue("a");
  ASSERT_NE(a2, a1);
  ASSERT_TRUE(stream.SendCsr(BuildIstioCsr(IdOf("r")).value().pem, 0, 3600));
  auto r2 = stream.NextNonBundle();
  ASSERT_TRUE(r2.has_value() && r2->has_issued()) << r2->ShortDebugString();
  ASSERT_EQ(env_->server().ledger().GetCertificate(r2->issued().serial())->supersedes_serial_hex,
            r1->issued().serial());
  EXPECT_EQ(GaugeAt(minutes(11) + seconds(5)), 0);  // a count interval after the last

  // The gauge as scraped, and the count by hand, at each step.
  struct Step {
    const char* what;
    seconds at;  // since t0
    int count;
  };
  for (const Step& step : std::vector<Step>{
           {"b has 16m of its hour left, more than a quarter: not yet", minutes(44), 0},
           {"b has 14m left and no successor (a1 and r1 have one; d is revoked)", minutes(46), 1},
           {"a2 and r2 (issued at t0+10m31s) have under 15m left too", minutes(56), 3},
           {"b has expired; a2 and r2 (until t0+70m31s) have not", minutes(65), 2},
           {"c, a day long, has 7h left: not yet", hours(17), 0},
           {"c has 5h left", hours(19), 1},
       }) {
    SCOPED_TRACE(step.what);
    EXPECT_EQ(GaugeAt(step.at), step.count);
    EXPECT_EQ(CountedByHand(), step.count);
  }
  stream.Cancel();
}

// The maintenance pass runs every second; the count only once per interval of the clock.
TEST_F(ExpiringWithoutSuccessorTest, WithinTheIntervalTheCountIsNotRepeated) {
  metrics::ServerMetrics metrics;
  server::ExpiringCertificatesGauge gauge(env_->server().ledger(), metrics, kFraction, seconds(30));
  const TimePoint now = env_->clock().Now();
  auto first = gauge.MaybeUpdate(now);
  ASSERT_TRUE(first.ok() && first->has_value());
  auto again = gauge.MaybeUpdate(now + seconds(29));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
  auto due = gauge.MaybeUpdate(now + seconds(30));
  ASSERT_TRUE(due.ok());
  EXPECT_TRUE(due->has_value());
}

}  // namespace
}  // namespace svidd::testing
