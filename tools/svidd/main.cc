// svidd: the CA daemon. Parses flags, starts the server, drains on SIGTERM/SIGINT, and
// re-reads its configuration on SIGHUP (config_reload.h).
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "CLI/CLI.hpp"
#include "absl/synchronization/mutex.h"
#include "server/connection_cap.h"
#include "spdlog/spdlog.h"
#include "svidd/common/fd_limit.h"
#include "svidd/common/termination_signals.h"
#include "svidd/server/config_reload.h"
#include "svidd/server/log_format.h"
#include "svidd/server/server_flags.h"
#include "svidd/server/svidd_server.h"

int main(int argc, char** argv) {
  CLI::App app{
      "svidd: a certificate authority for service meshes (SPIFFE X.509 over Istio's CA API)"};
  svidd::server::ServerOptions options;
  svidd::server::ServerFlags flags(app, options);
  bool check_config = false;
  app.add_flag("--check-config", check_config,
               "Check the flags and --config, print the effective configuration (secrets "
               "redacted; usable as --config) and exit without serving")
      ->configurable(false);
  CLI11_PARSE(app, argc, argv);
  if (absl::Status s = flags.Finish(); !s.ok()) {
    std::fprintf(stderr, "svidd: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  if (check_config) {
    std::printf("# svidd: effective configuration (flags over --config over defaults)\n%s\n",
                svidd::server::EffectiveConfig(app).c_str());
    return 0;
  }
  svidd::server::SetLogFormat(
      *svidd::server::ParseLogFormat(options.log_format));  // validated by Finish()
  (void)svidd::server::SetLogLevel(options.log_level);
  const std::string running_config = svidd::server::EffectiveConfig(app);

#ifdef NDEBUG
  // Debian builds abseil without NDEBUG, so every absl::Mutex acquisition (svidd's locks and
  // gRPC's) maintains a lock-order graph, which abseil itself does only in debug builds: about
  // 2 % of a Release svidd's CPU under load (docs/PERFORMANCE.md, round 6). A Release svidd
  // takes abseil's own Release default; Dev, test and sanitizer builds keep the check.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif

  // Before any thread starts: shutdown and reloads run here, outside a signal handler.
  const svidd::TerminationSignals signals(/*with_reload=*/true);
  const auto limit = svidd::RaiseFdLimitToHard();
  if (limit.ok()) {
    spdlog::info("open file limit: {} (hard {})", limit->soft, limit->hard);
  } else {
    spdlog::warn("open file limit: {}; no connection cap", limit.status().ToString());
  }
  // A dead listener ends svidd like SIGTERM, but with a failing exit code for the supervisor.
  options.on_listener_dead = [] { ::kill(::getpid(), SIGTERM); };
  svidd::server::ConnectionCap& cap = svidd::server::ConnectionCap::Process();
  if (limit.ok()) {
    options.connections_shed = [&cap] {
      return svidd::server::ServerOptions::ConnectionCapCounts{cap.shed(), cap.exhausted()};
    };
  }

  auto server = svidd::server::SviddServer::Start(options, svidd::SystemClock::Instance());
  if (!server.ok()) {
    spdlog::critical("cannot start: {}", server.status().ToString());
    return 1;
  }
  if (limit.ok()) {  // accept_interposer.cc applies it
    const int lowest_free = svidd::server::ConnectionCap::LowestFreeDescriptor();
    const int threshold = svidd::server::ConnectionCap::Threshold(limit->soft);
    cap.Arm((*server)->port(), threshold, options.max_connections);
    const int by_limit = std::max(0, threshold - lowest_free);
    spdlog::info(
        "connection cap: at most {} gRPC connections (descriptors {} to {}; the rest of the "
        "limit of {} stays for svidd's own files)",
        options.max_connections > 0 ? std::min(options.max_connections, by_limit) : by_limit,
        lowest_free, threshold - 1, limit->soft);
  }
  int signal_number = signals.Wait();
  while (signal_number == SIGHUP) {
    auto reloaded = svidd::server::ReloadConfig(argc, argv, running_config);
    if (!reloaded.ok()) {
      spdlog::error("SIGHUP: {}; the running configuration stays",
                    std::string(reloaded.status().message()));
    }
    signal_number = signals.Wait();
  }
  spdlog::info("received {}, shutting down", svidd::TerminationSignals::Name(signal_number));
  (*server)->Shutdown();
  return (*server)->listener_dead() ? 3 : 0;
}
