// A server under load in a process of its own (svidd or cfssl): started with its output going
// to a log file, its CPU time read from /proc/<pid>/stat, stopped with SIGTERM (SIGKILL after a
// grace period). The benchmark never shares a process with the server it measures.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace svidd::bench {

class ChildServer {
 public:
  // Starts argv[0] (a path) with stdout and stderr appended to `log`.
  static absl::StatusOr<std::unique_ptr<ChildServer>> Start(const std::vector<std::string>& argv,
                                                            const std::filesystem::path& log);
  ~ChildServer();  // Stop()
  ChildServer(const ChildServer&) = delete;
  ChildServer& operator=(const ChildServer&) = delete;

  // Polls for `port_file` to hold a port and a newline. DEADLINE_EXCEEDED, or UNAVAILABLE
  // with the log's tail if the process exited first.
  absl::StatusOr<int> WaitForPortFile(const std::filesystem::path& port_file,
                                      std::chrono::milliseconds timeout);
  // User + system CPU seconds the process has used so far (all its threads).
  double CpuSeconds() const;
  bool Running();
  // SIGTERM, then SIGKILL after `grace`. The exit code, or -1 if it was killed. Idempotent.
  int Stop(std::chrono::seconds grace = std::chrono::seconds(20));
  pid_t pid() const { return pid_; }
  std::string LogTail(size_t bytes = 2000) const;

 private:
  ChildServer(pid_t pid, std::filesystem::path log) : pid_(pid), log_(std::move(log)) {}
  pid_t pid_;
  std::filesystem::path log_;
  int exit_code_ = -1;
};

// A TCP port on 127.0.0.1 that was free a moment ago (for servers that cannot take port 0).
absl::StatusOr<int> PickFreeLoopbackPort();

// The directory of the running executable (/proc/self/exe), where svidd sits in a build.
std::filesystem::path ExecutableDir();

}  // namespace svidd::bench
