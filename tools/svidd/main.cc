// svidd: the CA daemon. Parses flags, starts the server, and drains on SIGTERM/SIGINT.
#include <cstdio>

#include "CLI/CLI.hpp"
#include "spdlog/spdlog.h"
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
                app.config_to_str(/*default_also=*/true, /*write_description=*/false).c_str());
    return 0;
  }
  spdlog::set_level(spdlog::level::from_str(log_level));

  // Before any thread starts: shutdown runs here, outside a signal handler.
  const svidd::TerminationSignals signals;

  auto server = svidd::SviddServer::Start(options, svidd::SystemClock::Instance());
  if (!server.ok()) {
    spdlog::critical("cannot start: {}", server.status().ToString());
    return 1;
  }
  const int signal_number = signals.Wait();
  spdlog::info("received {}, shutting down", svidd::TerminationSignals::Name(signal_number));
  (*server)->Shutdown();
  return 0;
}
