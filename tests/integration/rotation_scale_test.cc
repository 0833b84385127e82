// Thousands of real rotation streams against the real server on loopback, with the server's
// clock faked so that a whole certificate lifetime passes in seconds: the reconnect storm at
// start is spread at the configured rate, and the renewals of a fleet issued at once are
// spread over the jitter window before half-life, each with a fresh key, none lost.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <thread>

#include "bench/rotation_fleet.h"
#include "integration/test_env.h"

namespace svidd::testing {
namespace {

using bench::FleetEvent;
using std::chrono::duration_cast;
using std::chrono::hours;
using std::chrono::seconds;

constexpr int kStreams = 2000;
constexpr int kRate = 200;  // renewal requests per second

class RotationScaleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = TestEnv::Start([](server::ServerOptions& o) {
      o.default_ttl = hours(1);
      o.max_ttl = hours(1);
      o.max_renewals_per_second = kRate;
      o.renewal_jitter = 0.1;
    });
    ASSERT_NE(env_, nullptr);
    for (int i = 0; i < kStreams; ++i)
      tokens_.push_back(env_->TokenFor("bench", "w" + std::to_string(i)));
  }

  // Waits (real time, bounded) until `done` holds.
  static bool WaitFor(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  // Moves the fake clock one second at a time, running a scheduler pass each time, until
  // `issued` certificates exist. Each pass first waits (real time) until every request it
  // handed out was answered, so fake time never outruns the real round trips.
  void RunUntilIssued(bench::RotationFleet& fleet, size_t issued, int max_seconds) {
    for (int s = 0; s < max_seconds && fleet.issued() < issued; ++s) {
      env_->server().RunRotationPass();
      ASSERT_TRUE(WaitFor([&] { return env_->server().rotation_stats().in_flight == 0; }))
          << "requests went unanswered: " << env_->server().rotation_stats().in_flight;
      // The server has every answer, so the fleet has read every request; let it also read
      // the certificates sent back before time moves on (on a loaded machine the client can
      // lag, and an Issued read late would be stamped with a later fake time).
      ASSERT_TRUE(WaitFor([&] {
        return Count(fleet, FleetEvent::Kind::kIssued) + Count(fleet, FleetEvent::Kind::kRefused) >=
               Count(fleet, FleetEvent::Kind::kRequested);
      })) << "certificates sent but not read by the fleet";
      env_->clock().Advance(seconds(1));
    }
    ASSERT_GE(fleet.issued(), issued);
  }

  static size_t Count(const bench::RotationFleet& fleet, FleetEvent::Kind kind) {
    size_t n = 0;
    for (const FleetEvent& e : fleet.Events()) n += e.kind == kind;
    return n;
  }

  std::unique_ptr<TestEnv> env_;
  std::vector<std::string> tokens_;
};

TEST_F(RotationScaleTest, StormIsSpreadAndFleetRenewalsAreJitteredBeforeHalfLife) {
  bench::FleetOptions options;
  options.target = "127.0.0.1:" + std::to_string(env_->server().port());
  options.root_pem = env_->root_bundle_pem();
  options.streams = kStreams;
  options.token_for = [this](int i) { return tokens_[i]; };
  bench::RotationFleet fleet(options, env_->clock());
  const TimePoint start = env_->clock().Now();
  fleet.Start();
  ASSERT_TRUE(WaitFor([&] { return env_->server().rotation_streams() == kStreams; }))
      << env_->server().rotation_streams() << " streams connected";

  // 1. Every stream connects at once; first issuance is spread at the rate, not refused.
  RunUntilIssued(fleet, kStreams, 60);
  std::map<int64_t, int> requests_per_second;
  for (const FleetEvent& e : fleet.Events()) {
    if (e.kind != FleetEvent::Kind::kRequested) continue;
    EXPECT_EQ(e.reason, svidd::v1::RenewalRequested::INITIAL);
    if (e.reason != svidd::v1::RenewalRequested::INITIAL) break;
    requests_per_second[duration_cast<seconds>(e.at - start).count()]++;
  }
  EXPECT_GE(requests_per_second.size(), static_cast<size_t>(kStreams / kRate) - 1);
  for (const auto& [second, n] : requests_per_second) {
    EXPECT_LE(n, 2 * kRate) << "second " << second;  // burst of `rate`, then `rate` per second
  }
  EXPECT_EQ(Count(fleet, FleetEvent::Kind::kRefused), 0u);
  EXPECT_EQ(env_->server().rotation_streams(), static_cast<size_t>(kStreams));

  // 2. A lifetime later than the earliest jitter allows: every stream renews once.
  std::map<int, FleetEvent> first_cert;
  for (const FleetEvent& e : fleet.Events()) {
    if (e.kind == FleetEvent::Kind::kIssued) first_cert.emplace(e.stream, e);
  }
  const size_t before = fleet.Events().size();
  env_->clock().Set(start + seconds(3600) * 4 / 10 - seconds(10));
  RunUntilIssued(fleet, 2 * kStreams, 15 * 60);

  std::map<int64_t, int> renewals_per_minute;
  std::set<int> renewed;
  const std::vector<FleetEvent> events = fleet.Events();
  for (size_t i = before; i < events.size(); ++i) {
    const FleetEvent& e = events[i];
    if (e.kind == FleetEvent::Kind::kRequested) {
      EXPECT_EQ(e.reason, svidd::v1::RenewalRequested::SCHEDULED);
      const FleetEvent& cert = first_cert.at(e.stream);
      // The lifetime counts from issuance (cert.at, on the server's fake clock), not from
      // the backdated NotBefore. Scheduled in [half-life - 10%, half-life], seen within a pass.
      const auto life = cert.not_after - cert.at;
      EXPECT_GE(e.at, cert.at + life * 4 / 10 - seconds(1)) << e.stream;
      EXPECT_LE(e.at, cert.at + life / 2 + seconds(1)) << e.stream;
      renewals_per_minute[duration_cast<std::chrono::minutes>(e.at - start).count()]++;
    }
    if (e.kind == FleetEvent::Kind::kIssued) {
      EXPECT_TRUE(renewed.insert(e.stream).second) << "stream " << e.stream << " renewed twice";
      EXPECT_NE(e.serial, first_cert.at(e.stream).serial);
    }
  }
  EXPECT_EQ(renewed.size(), static_cast<size_t>(kStreams));
  // Spread over the 6-minute jitter window rather than bunched: no minute takes more than
  // a third of the fleet (uniform would be a sixth).
  EXPECT_GE(renewals_per_minute.size(), 6u);
  for (const auto& [minute, n] : renewals_per_minute) {
    EXPECT_LE(n, kStreams / 3) << "minute " << minute;
  }
  const rotation::RenewalSchedulerStats stats = env_->server().rotation_stats();
  EXPECT_EQ(stats.expired_unrenewed, 0u);
  EXPECT_EQ(stats.renewals_completed, static_cast<uint64_t>(kStreams));
  fleet.Stop();
}

}  // namespace
}  // namespace svidd::testing
