// svid-agent: the sidecar that keeps a workload's SVID renewed by svidd, in files and over
// the SPIFFE Workload API. Parses flags, starts the agent, and stops cleanly on SIGTERM/SIGINT.
#include <signal.h>

#include <cstdio>

#include "CLI/CLI.hpp"
#include "spdlog/spdlog.h"
#include "svidd/agent/agent_flags.h"
#include "svidd/agent/svid_agent.h"

int main(int argc, char** argv) {
  CLI::App app{"svid-agent: keeps a workload's X.509 SVID renewed by svidd"};
  svidd::AgentOptions options;
  svidd::AgentFlags flags(app, options);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (absl::Status s = flags.Finish(); !s.ok()) {
    std::fprintf(stderr, "svid-agent: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(log_level));

  // Signals are taken synchronously by this thread, so shutdown runs outside a handler.
  // Blocked before any thread starts, so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto agent = svidd::SvidAgent::Start(options, svidd::SystemClock::Instance());
  if (!agent.ok()) {
    spdlog::critical("cannot start: {}", agent.status().ToString());
    return 1;
  }
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  spdlog::info("received {}, shutting down", signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
  (*agent)->Shutdown();
  return 0;
}
