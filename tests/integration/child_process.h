// Runs the real svidd / svidctl binaries from tests: spawn, signal, wait, capture output.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace svidd::testing {

struct CommandResult {
  int exit_code = -1;  // -1 if it did not exit normally
  std::string out;
  std::string err;
};

// Runs to completion (killed after `timeout`).
CommandResult RunCommand(const std::vector<std::string>& argv,
                         std::chrono::seconds timeout = std::chrono::seconds(60));

class ChildProcess {
 public:
  // Starts argv with stdout+stderr going to `log`.
  ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& log);
  ~ChildProcess();  // SIGKILL if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Sends `signal` and waits; the exit code (-1: ended by a signal), or nullopt if it did not
  // exit in time. Once it has exited, signals nothing and returns that exit code again.
  std::optional<int> StopWith(int signal, std::chrono::seconds timeout = std::chrono::seconds(30));
  // Waits for it to exit by itself; the exit code, or nullopt if it did not exit in time.
  std::optional<int> WaitExit(std::chrono::seconds timeout);
  bool running();
  std::string log() const;
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;                // -1 once reaped (or if fork failed)
  std::optional<int> exit_code_;  // once reaped
  pid_t spawned_pid_ = -1;        // the reports are named after this pid
  std::string program_;
  std::filesystem::path log_;
};

// Under tools/sanitize.sh every process writes its sanitizer reports to
// <log_path>.<pid> (log_path from ASAN_OPTIONS, UBSAN_OPTIONS or TSAN_OPTIONS). Adds a test
// failure with the report if the process `pid` (running `program`) wrote one: a report from
// a svidd the test started fails that test, even when the test kills it.
void ExpectNoSanitizerReports(pid_t pid, const std::string& program);

// A loopback port nobody listens on now (so a server can be told to use it).
int FreeLoopbackPort();

// Polls for `path` to exist with content (e.g. svidd's --port-file); the port, or 0.
int WaitForPortFile(const std::filesystem::path& path, ChildProcess& process,
                    std::chrono::seconds timeout = std::chrono::seconds(60));

}  // namespace svidd::testing
