// What every svidctl command shares: where svidd is (the global flags), the clock, where
// output goes, and how the outcome gets back to main.
#pragma once

#include <functional>
#include <memory>
#include <ostream>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "svidctl/backend.h"
#include "svidd/common/clock.h"

namespace svidctl {

struct CommandContext {
  CommandContext(const svidd::Clock& clock, std::ostream& out, std::ostream& err)
      : clock(clock), out(out), err(err) {}

  BackendOptions backend;
  const svidd::Clock& clock;
  std::ostream& out;
  std::ostream& err;    // notes beside the output (paging); errors go through `result`
  absl::Status result;  // an error: printed to stderr, exit 1
  int exit_code = 0;    // a command that succeeded may still ask for this (audit findings)

  // When `command` is parsed: opens the backend the global flags name and runs `run` on it.
  void OnRun(CLI::App* command, std::function<absl::Status(Backend&)> run);
  // When `command` is parsed: runs `run`, which works on the data directory itself.
  void OnRunLocal(CLI::App* command, std::function<absl::Status()> run);
};

// Adds `--output,-o` with `choices` (the first is the default) to `command`.
void AddOutputOption(CLI::App* command, std::string& output, std::vector<std::string> choices);

}  // namespace svidctl
