// svidd-bench streams: a bounded rotation load test on loopback. Starts a real svidd in this
// process (own temp data dir, 127.0.0.1, ephemeral port, wall clock), opens --streams rotation
// streams at once, lets the server drive their renewals for --duration, then prints the
// figures as a Markdown table (docs/scale.md holds a run and the command behind it).
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/str_format.h"
#include "bench/fleet_report.h"
#include "bench/rotation_fleet.h"
#include "bench/unary_mode.h"
#include "spdlog/spdlog.h"
#include "support/jwt/test_jwt.h"
#include "svidd/common/atomic_file.h"
#include "svidd/common/time_format.h"
#include "svidd/server/svidd_server.h"

namespace {

constexpr char kIssuer[] = "https://kubernetes.default.svc.cluster.local";

long MaxRssKib() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

double CpuSeconds() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return tv(usage.ru_utime) + tv(usage.ru_stime);
}

}  // namespace

namespace svidd::bench {

int RunStreamsMode(int argc, char** argv) {
  CLI::App app{
      "svidd-bench streams: thousands of rotation streams against an in-process svidd on loopback"};
  int streams = 2000, rate = 100, channels = 8;
  std::string ttl_text = "60s", duration_text = "100s";
  app.add_option("--streams", streams, "Concurrent rotation streams")
      ->capture_default_str()
      ->check(CLI::Range(1, 20000));
  app.add_option("--ttl", ttl_text, "Certificate lifetime (the server's --max-ttl)")
      ->capture_default_str();
  app.add_option("--duration", duration_text, "How long to run (at most 15m)")
      ->capture_default_str();
  app.add_option("--rate", rate, "Server --max-renewals-per-second")->capture_default_str();
  app.add_option("--channels", channels, "TLS connections the streams share")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  auto ttl = svidd::ParseDuration(ttl_text);
  auto duration = svidd::ParseDuration(duration_text);
  if (!ttl.ok() || !duration.ok() || *duration > std::chrono::minutes(15)) {
    std::cerr << "svidd-bench: --ttl and --duration must be durations, --duration at most 15m\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);

  char pattern[] = "/tmp/svidd-bench-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) return 1;
  const std::filesystem::path dir = pattern;
  auto key = svidd::testing::MakeEs256Key("bench");
  if (!key.ok() ||
      !svidd::WriteFileAtomically(dir / "jwks.json", svidd::testing::JwksJson({&*key})).ok()) {
    return 1;
  }
  svidd::ServerOptions options;
  options.data_dir = dir / "data";
  options.listen = "127.0.0.1:0";
  options.jwks_file = dir / "jwks.json";
  options.jwt_issuer = kIssuer;
  options.default_ttl = options.max_ttl = *ttl;
  options.max_renewals_per_second = rate;
  options.renewal_answer_timeout = std::chrono::seconds(10);
  const svidd::Clock& clock = svidd::SystemClock::Instance();
  auto server = svidd::SviddServer::Start(options, clock);
  if (!server.ok()) {
    std::cerr << "svidd-bench: " << server.status() << "\n";
    return 1;
  }

  std::vector<std::string> tokens;
  for (int i = 0; i < streams; ++i) {
    svidd::testing::TokenSpec spec;
    spec.issuer = kIssuer;
    spec.ns = "bench";
    spec.sa = "w" + std::to_string(i);
    spec.iat = clock.Now();
    tokens.push_back(svidd::testing::MintToken(*key, spec));
  }
  svidd::bench::FleetOptions fleet_options;
  fleet_options.target = "127.0.0.1:" + std::to_string((*server)->port());
  fleet_options.root_pem = (*server)->authorities().Get()->root_bundle_pem();
  fleet_options.streams = streams;
  fleet_options.channels = channels;
  fleet_options.token_for = [&](int i) { return tokens[i]; };

  const double cpu_before = CpuSeconds();
  svidd::bench::RotationFleet fleet(fleet_options, clock);
  const auto started = clock.Now();
  fleet.Start();
  std::this_thread::sleep_for(*duration);
  const auto stop_time = clock.Now();
  const double cpu = CpuSeconds() - cpu_before;
  const auto stats = (*server)->rotation_stats();
  fleet.Stop();
  (*server)->Shutdown();
  std::filesystem::remove_all(dir);

  svidd::bench::FleetReport report = svidd::bench::Summarize(fleet.Events(), streams, stop_time);
  std::cout << absl::StrFormat(
      "svidd-bench --streams %d --ttl %s --duration %s --rate %d --channels %d\n\n", streams,
      ttl_text, duration_text, rate, channels);
  std::cout << "| figure | value |\n|---|---|\n" << svidd::bench::ToMarkdown(report);
  std::cout << absl::StrFormat(
      "| scheduler: renewals completed / retries / expired unrenewed | %d / %d / %d |\n",
      stats.renewals_completed, stats.retries, stats.expired_unrenewed);
  std::cout << absl::StrFormat("| wall time | %.1f s |\n",
                               std::chrono::duration<double>(stop_time - started).count());
  std::cout << absl::StrFormat("| CPU (server and fleet, one process) | %.1f s |\n", cpu);
  std::cout << absl::StrFormat("| peak RSS (server and fleet, one process) | %.1f MiB |\n",
                               MaxRssKib() / 1024.0);
  return stats.expired_unrenewed == 0 && report.ended_early == 0 ? 0 : 1;
}

}  // namespace svidd::bench
