// svid-agent: the sidecar that keeps a workload's SVID renewed by svidd, in files and over
// the SPIFFE Workload API. Parses flags, starts the agent, and stops cleanly on SIGTERM/SIGINT.
#include <cstdio>

#include "CLI/CLI.hpp"
#include "spdlog/spdlog.h"
#include "svidd/agent/agent_flags.h"
#include "svidd/agent/svid_agent.h"
#include "svidd/common/termination_signals.h"

int main(int argc, char** argv) {
  CLI::App app{"svid-agent: keeps a workload's X.509 SVID renewed by svidd"};
  svidd::agent::AgentOptions options;
  svidd::agent::AgentFlags flags(app, options);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (absl::Status s = flags.Finish(); !s.ok()) {
    std::fprintf(stderr, "svid-agent: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(log_level));

  // Before any thread starts: shutdown runs here, outside a signal handler.
  const svidd::TerminationSignals signals;

  auto agent = svidd::agent::SvidAgent::Start(options, svidd::SystemClock::Instance());
  if (!agent.ok()) {
    spdlog::critical("cannot start: {}", agent.status().ToString());
    return 1;
  }
  const int signal_number = signals.Wait();
  spdlog::info("received {}, shutting down", svidd::TerminationSignals::Name(signal_number));
  (*agent)->Shutdown();
  return 0;
}
