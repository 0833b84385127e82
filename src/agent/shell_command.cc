#include "svidd/agent/shell_command.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"

extern char** environ;

namespace svidd::agent {
namespace {

// Owns initialised spawn attributes.
struct SpawnAttributes {
  posix_spawnattr_t attr;
  int init_error = posix_spawnattr_init(&attr);
  ~SpawnAttributes() {
    if (init_error == 0) posix_spawnattr_destroy(&attr);
  }
};

// A new process group (so a timeout kills the command's children too), no blocked signals
// (the agent blocks SIGTERM/SIGINT to take them with sigwait) and default dispositions.
// 0 or the first error number.
int Configure(posix_spawnattr_t* attr) {
  sigset_t none, defaults;
  sigemptyset(&none);
  sigfillset(&defaults);
  int rc = posix_spawnattr_setsigmask(attr, &none);
  if (rc == 0) rc = posix_spawnattr_setsigdefault(attr, &defaults);
  if (rc == 0) rc = posix_spawnattr_setpgroup(attr, 0);
  if (rc == 0) {
    rc = posix_spawnattr_setflags(
        attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  }
  return rc;
}

// The wait status once `pid` exits, or nullopt at the deadline.
std::optional<int> WaitUntil(pid_t pid, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return std::nullopt;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

absl::Status Outcome(int status) {
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  if (WIFEXITED(status)) return absl::UnknownError(absl::StrCat("exited ", WEXITSTATUS(status)));
  if (WIFSIGNALED(status))
    return absl::UnknownError(absl::StrCat("killed by signal ", WTERMSIG(status)));
  return absl::UnknownError("ended abnormally");
}

}  // namespace

absl::Status RunShellCommand(const std::string& command, std::chrono::milliseconds timeout) {
  SpawnAttributes attributes;
  int rc = attributes.init_error != 0 ? attributes.init_error : Configure(&attributes.attr);
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  pid_t pid = -1;
  if (rc == 0) {
    rc = posix_spawn(&pid, "/bin/sh", nullptr, &attributes.attr, const_cast<char**>(argv), environ);
  }
  if (rc != 0)
    return absl::InternalError(absl::StrCat("cannot start /bin/sh: ", std::strerror(rc)));
  std::optional<int> status = WaitUntil(pid, std::chrono::steady_clock::now() + timeout);
  if (status) return Outcome(*status);
  ::kill(-pid, SIGKILL);
  WaitUntil(pid, std::chrono::steady_clock::now() + std::chrono::seconds(5));
  return absl::DeadlineExceededError(
      absl::StrCat("did not finish within ", timeout.count(), " ms; killed"));
}

}  // namespace svidd::agent
