// svidd_certificates_expiring_without_successor against the real server with a fake clock:
// after each move of the clock the scraped gauge equals the number of active workload
// certificates expiring within the window that no later certificate of the same identity
// follows and no renewal names as superseded, both as the scenario says by hand and as an
// independent count over every row of the ledger.
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
constexpr seconds kWindow = hours(2);

std::string IdOf(const std::string& sa) { return "spiffe://cluster.local/ns/foo/sa/" + sa; }

class ExpiringWithoutSuccessorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = TestEnv::Start([](ServerOptions& o) {
      o.metrics_listen = "127.0.0.1:0";
      o.expiry_warning_window = kWindow;
    });
    ASSERT_NE(env_, nullptr);
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
    return SerialHex(ParseCertificatePem(response.cert_chain(0)).value().get());
  }

  // Moves the clock past the gauge's counting interval, runs the maintenance pass, scrapes.
  double GaugeAfter(seconds advance) {
    env_->clock().Advance(advance);
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

  // The definition, applied row by row to everything in the ledger (no SQL).
  int64_t CountedByHand() {
    auto all = env_->server().ledger().ListCertificates(CertificateFilter{});
    EXPECT_TRUE(all.ok()) << all.status();
    const TimePoint now = env_->clock().Now();
    int64_t count = 0;
    for (const CertificateRecord& r : *all) {
      if (r.kind != CertKind::kWorkload || r.status != CertStatus::kActive ||
          r.auth_method == kOperatorAuthMethod || r.not_after <= now ||
          r.not_after >= now + kWindow) {
        continue;
      }
      bool followed = false;
      for (const CertificateRecord& other : *all) {
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
};

TEST_F(ExpiringWithoutSuccessorTest, CountsExactlyTheUnrenewedCertificatesInTheWindow) {
  // t0: a, b, d for an hour; c for a day (outside the window); d revoked; r on a stream.
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
  // Expiring, unrenewed: a1, b, r1.
  EXPECT_EQ(GaugeAfter(seconds(31)), 3);
  EXPECT_EQ(CountedByHand(), 3);

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
  // Now: a2, b, r2 (a1 and r1 have successors; c outside the window; d revoked).
  EXPECT_EQ(GaugeAfter(seconds(31)), 3);
  EXPECT_EQ(CountedByHand(), 3);

  // t0+65m: b has expired; a2 and r2 (t0+10m + 1h) have not.
  EXPECT_EQ(GaugeAfter(minutes(54)), 2);
  EXPECT_EQ(CountedByHand(), 2);

  // t0+23h: c's last hours are inside the window now; everything else expired.
  EXPECT_EQ(GaugeAfter(hours(22)), 1);
  EXPECT_EQ(CountedByHand(), 1);
  stream.Cancel();
}

// The maintenance pass runs every second; the count only once per interval of the clock.
TEST_F(ExpiringWithoutSuccessorTest, WithinTheIntervalTheCountIsNotRepeated) {
  ServerMetrics metrics;
  ExpiringCertificatesGauge gauge(env_->server().ledger(), metrics, kWindow, seconds(30));
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
