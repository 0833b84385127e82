// svidd: the CA daemon. Parses flags, starts the server, and drains on SIGTERM/SIGINT.
#include <signal.h>
#include <unistd.h>

#include <cstdio>

#include "CLI/CLI.hpp"
#include "spdlog/spdlog.h"
#include "svidd/common/fd_limit.h"
#include "svidd/common/termination_signals.h"
#include "svidd/server/server_flags.h"
#include "svidd/server/svidd_server.h"

int main(int argc, char** argv) {
  CLI::App app{
      "svidd: a certificate authority for service meshes (SPIFFE X.509 over Istio's CA API)"};
  svidd::ServerOptions options;
  svidd::ServerFlags flags(app, options);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (absl::Status s = flags.Finish(); !s.ok()) {
    std::fprintf(stderr, "svidd: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(log_level));

  // Before any thread starts: shutdown runs here, outside a signal handler.
  const svidd::TerminationSignals signals;
  if (auto limit = svidd::RaiseFdLimitToHard(); limit.ok()) {
    spdlog::info("open file limit: {} (hard {})", limit->soft, limit->hard);
  } else {
    spdlog::warn("open file limit: {}", limit.status().ToString());
  }
  // A dead listener ends svidd like SIGTERM, but with a failing exit code for the supervisor.
  options.on_listener_dead = [] { ::kill(::getpid(), SIGTERM); };

  auto server = svidd::SviddServer::Start(options, svidd::SystemClock::Instance());
  if (!server.ok()) {
    spdlog::critical("cannot start: {}", server.status().ToString());
    return 1;
  }
  const int signal_number = signals.Wait();
  spdlog::info("received {}, shutting down", svidd::TerminationSignals::Name(signal_number));
  (*server)->Shutdown();
  return (*server)->listener_dead() ? 3 : 0;
}
