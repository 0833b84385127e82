// Runs an operator's command (--on-rotate) with /bin/sh -c, in its own process group, with
// default signal handling and the agent's environment, and waits a bounded time for it.
#pragma once

#include <chrono>
#include <string>

#include "absl/status/status.h"

namespace svidd::agent {

// OK if the command exited 0 within `timeout`. DEADLINE_EXCEEDED (after killing its whole
// process group), or UNKNOWN with the exit code or signal, or INTERNAL if it could not start.
absl::Status RunShellCommand(const std::string& command, std::chrono::milliseconds timeout);

}  // namespace svidd::agent
