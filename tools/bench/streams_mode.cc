// svidd-bench streams: a bounded rotation load test on loopback, with svidd in a process of
// its own (child_server.h: temp data dir, 127.0.0.1, ephemeral port, wall clock). It opens
// --streams rotation streams from this one process (gRPC's callback API, multiplexed over
// --channels HTTP/2 connections, each stream a workload with its own token), lets the server
// drive their renewals for --duration, then prints the figures as a Markdown table: the
// fleet's view (first issuance, renewals, lapses, refusals, drops) and, apart, the server's
// own CPU and memory (/proc/<pid>: VmRSS before the streams, with every stream holding a
// certificate, at the end, and VmHWM). docs/scale.md holds runs and the commands behind them.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/str_format.h"
#include "bench/bench_inputs.h"
#include "bench/child_server.h"
#include "bench/fleet_report.h"
#include "bench/process_stats.h"
#include "bench/rotation_fleet.h"
#include "bench/unary_mode.h"
#include "support/jwt/test_jwt.h"
#include "svidd/common/atomic_file.h"
#include "svidd/common/time_format.h"

namespace svidd::bench {
namespace {

struct StreamsFlags {
  int streams = 2000, rate = 100, channels = 16, open_window = 1000;
  std::string ttl = "60s", duration = "100s", settle = "3s";
  std::string svidd_binary;  // default: svidd beside svidd-bench
  std::vector<std::string> svidd_args;
};

// What the server's process looked like at one moment.
struct ServerSample {
  ProcessMemory memory;
  double cpu_s = 0;
  double fleet_cpu_s = 0;  // this process's, at the same moment
  TimePoint at{};
};

ServerSample Sample(ChildServer& server) {
  return {ReadProcessMemory(server.pid()), server.CpuSeconds(), SelfCpuSeconds(),
          SystemClock::Instance().Now()};
}

double Mib(long kib) { return static_cast<double>(kib) / 1024.0; }

// As many descriptors as the hard limit allows: the fleet's connections, and room to spare.
void RaiseOpenFileLimit() {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

// One token per stream, for spiffe://cluster.local/ns/bench/sa/w<i>, valid for the whole run.
std::vector<std::string> MintTokens(const testing::TestSigningKey& key, int count,
                                    std::chrono::seconds valid_for) {
  std::vector<std::string> tokens;
  tokens.reserve(count);
  testing::TokenSpec spec;
  spec.issuer = kBenchIssuer;
  spec.ns = "bench";
  spec.iat = SystemClock::Instance().Now();
  spec.ttl = valid_for;
  for (int i = 0; i < count; ++i) {
    spec.sa = "w" + std::to_string(i);
    tokens.push_back(testing::MintToken(key, spec));
  }
  return tokens;
}

// svidd as operators run it (default limits, log level and signing threads), with the
// lifetime and the renewal budget under test.
absl::StatusOr<std::unique_ptr<ChildServer>> StartSvidd(const StreamsFlags& flags,
                                                        const std::filesystem::path& dir,
                                                        int* port) {
  std::vector<std::string> argv = {flags.svidd_binary,
                                   "--data-dir",
                                   (dir / "data").string(),
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--port-file",
                                   (dir / "port").string(),
                                   "--jwks-file",
                                   (dir / "jwks.json").string(),
                                   "--jwt-issuer",
                                   kBenchIssuer,
                                   "--default-ttl",
                                   flags.ttl,
                                   "--max-ttl",
                                   flags.ttl,
                                   "--max-renewals-per-second",
                                   std::to_string(flags.rate)};
  argv.insert(argv.end(), flags.svidd_args.begin(), flags.svidd_args.end());
  auto server = ChildServer::Start(argv, dir / "svidd.log");
  if (!server.ok()) return server.status();
  auto bound = (*server)->WaitForPortFile(dir / "port", std::chrono::seconds(60));
  if (!bound.ok()) return bound.status();
  *port = *bound;
  return server;
}

// Waits (real time) until every stream holds a certificate or `deadline` passes.
bool WaitForFirstCertificates(const RotationFleet& fleet, size_t streams, TimePoint deadline) {
  while (fleet.first_issued() < streams) {
    if (SystemClock::Instance().Now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

void SleepUntil(TimePoint when) {
  const auto left = when - SystemClock::Instance().Now();
  if (left > std::chrono::nanoseconds::zero()) std::this_thread::sleep_for(left);
}

// What the fleet looked like when `held` was sampled.
struct FleetAtSample {
  size_t open = 0;      // streams the server had registered
  size_t holding = 0;   // streams holding a certificate
  size_t renewals = 0;  // certificates after the first, so far
};

void PrintServerRows(const ServerSample& before, const ServerSample& held,
                     const FleetAtSample& fleet, const ServerSample& end, size_t certificates) {
  auto row = [](const std::string& name, const std::string& value) {
    std::cout << "| " << name << " | " << value << " |\n";
  };
  row("server RSS before the streams", absl::StrFormat("%.1f MiB", Mib(before.memory.rss_kib)));
  row(absl::StrFormat("server RSS with %d streams open, %d holding a certificate (%d renewals "
                      "by then)",
                      fleet.open, fleet.holding, fleet.renewals),
      absl::StrFormat("%.1f MiB", Mib(held.memory.rss_kib)));
  row("server memory per idle stream (RSS with them - before, / streams open)",
      absl::StrFormat("%.1f KiB", static_cast<double>(held.memory.rss_kib - before.memory.rss_kib) /
                                      static_cast<double>(std::max<size_t>(fleet.open, 1))));
  row("server RSS at the end / peak (VmHWM)",
      absl::StrFormat("%.1f / %.1f MiB", Mib(end.memory.rss_kib), Mib(end.memory.hwm_kib)));
  const double server_cpu = end.cpu_s - before.cpu_s;
  row("server CPU (its own process)", absl::StrFormat("%.1f s", server_cpu));
  row("server CPU per certificate",
      certificates == 0
          ? "-"
          : absl::StrFormat("%.3f ms", 1000 * server_cpu / static_cast<double>(certificates)));
  row("fleet CPU (keys, CSRs, TLS; the benchmark's process)",
      absl::StrFormat("%.1f s", end.fleet_cpu_s - before.fleet_cpu_s));
}

int Run(const StreamsFlags& flags, std::chrono::seconds duration, std::chrono::seconds settle,
        const std::filesystem::path& dir) {
  const std::string load_at_start = LoadAverage();
  auto key = testing::MakeEs256Key("bench");
  if (!key.ok() || !WriteFileAtomically(dir / "jwks.json", testing::JwksJson({&*key})).ok()) {
    return 1;
  }
  const double mint_started = SelfCpuSeconds();
  const std::vector<std::string> tokens =
      MintTokens(*key, flags.streams, duration + std::chrono::minutes(10));
  const double mint_cpu = SelfCpuSeconds() - mint_started;
  int port = 0;
  auto server = StartSvidd(flags, dir, &port);
  auto root_pem = ReadFileToString(dir / "data" / "ca" / "root-cert.pem");
  if (!server.ok() || !root_pem.ok()) {
    std::cerr << "svidd-bench streams: " << (server.ok() ? root_pem.status() : server.status())
              << "\n";
    return 1;
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));  // start-up work settles
  FleetOptions options;
  options.target = "127.0.0.1:" + std::to_string(port);
  options.root_pem = *root_pem;
  options.streams = flags.streams;
  options.channels = flags.channels;
  options.open_window = flags.open_window;
  options.token_for = [&](int i) { return tokens[i]; };
  RotationFleet fleet(options, SystemClock::Instance());

  const ServerSample before = Sample(**server);
  fleet.Start();
  const TimePoint stop_at = before.at + duration;
  const bool all_held = WaitForFirstCertificates(fleet, flags.streams, stop_at);
  const TimePoint held_at = SystemClock::Instance().Now();
  SleepUntil(std::min(held_at + settle, stop_at));
  const FleetAtSample at_held{fleet.registered(), fleet.first_issued(),
                              fleet.issued() - fleet.first_issued()};
  const ServerSample held = Sample(**server);
  SleepUntil(stop_at);
  const ServerSample end = Sample(**server);
  const std::string load_at_end = LoadAverage();
  const FleetReport report = Summarize(fleet.Events(), flags.streams, end.at);
  fleet.Stop();
  const int server_exit = (*server)->Stop();

  std::cout << absl::StrFormat(
      "svidd-bench streams --streams %d --ttl %s --duration %s --rate %d --channels %d "
      "--open-window %d\n%s\nload average at start: %s; at the end: %s\n"
      "tokens: %d made in %.1f s of CPU before the run\n\n",
      flags.streams, flags.ttl, flags.duration, flags.rate, flags.channels, flags.open_window,
      MachineLine(), load_at_start, load_at_end, flags.streams, mint_cpu);
  std::cout << "| figure | value |\n|---|---|\n" << ToMarkdown(report);
  std::cout << absl::StrFormat(
      "| configured renewal budget (--max-renewals-per-second) | %d /s |\n", flags.rate);
  std::cout << absl::StrFormat(
      "| every stream holding a certificate after | %s |\n",
      all_held
          ? absl::StrFormat("%.1f s", std::chrono::duration<double>(held_at - before.at).count())
          : std::string("not within the run"));
  PrintServerRows(before, held, at_held, end, report.first_issued + report.renewals);
  std::cout << absl::StrFormat("| wall time | %.1f s |\n| svidd exit code after SIGTERM | %d |\n",
                               std::chrono::duration<double>(end.at - before.at).count(),
                               server_exit);
  const bool ok = all_held && report.lapses == 0 && report.ended_early == 0 && server_exit == 0;
  if (!ok) std::cerr << "svidd-bench streams: svidd's log ends:\n" << (*server)->LogTail() << "\n";
  return ok ? 0 : 1;
}

}  // namespace

int RunStreamsMode(int argc, char** argv) {
  CLI::App app{
      "svidd-bench streams: rotation streams against svidd in its own process on loopback"};
  StreamsFlags flags;
  app.add_option("--streams", flags.streams, "Concurrent rotation streams")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--ttl", flags.ttl, "Certificate lifetime (the server's --max-ttl)")
      ->capture_default_str();
  app.add_option("--duration", flags.duration, "How long to run (at most 20m)")
      ->capture_default_str();
  app.add_option("--rate", flags.rate, "Server --max-renewals-per-second")->capture_default_str();
  app.add_option("--channels", flags.channels, "HTTP/2 connections the streams are spread over")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--open-window", flags.open_window,
                 "Streams being opened at once at most (0: all at once)")
      ->capture_default_str();
  app.add_option("--settle", flags.settle,
                 "Wait after every stream holds a certificate before the RSS reading")
      ->capture_default_str();
  app.add_option("--svidd", flags.svidd_binary, "svidd binary (default: beside svidd-bench)");
  app.add_option("--svidd-arg", flags.svidd_args, "Extra svidd flag (repeatable)");
  CLI11_PARSE(app, argc, argv);
  auto ttl = ParseDuration(flags.ttl);
  auto duration = ParseDuration(flags.duration);
  auto settle = ParseDuration(flags.settle);
  if (!ttl.ok() || !duration.ok() || !settle.ok() || *duration > std::chrono::minutes(20)) {
    std::cerr << "svidd-bench streams: --ttl, --duration and --settle take durations, --duration "
                 "at most 20m\n";
    return 2;
  }
  if (flags.svidd_binary.empty()) flags.svidd_binary = (ExecutableDir() / "svidd").string();
  RaiseOpenFileLimit();
  char pattern[] = "/tmp/svidd-bench-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) return 1;
  const std::filesystem::path dir = pattern;
  const int code = Run(flags, std::chrono::duration_cast<std::chrono::seconds>(*duration),
                       std::chrono::duration_cast<std::chrono::seconds>(*settle), dir);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return code;
}

}  // namespace svidd::bench
