#include "svidd/agent/shell_command.h"

#include <gtest/gtest.h>

#include "agent/agent_test_pki.h"
#include "svidd/common/atomic_file.h"

namespace svidd::testing {
namespace {

using std::chrono::milliseconds;

TEST(ShellCommandTest, OutcomesOfTheOnRotateCommand) {
  struct Case {
    const char* name;
    std::string command;
    absl::StatusCode want;
  };
  for (const Case& c : std::vector<Case>{
           {"success", "true", absl::StatusCode::kOk},
           {"pipeline through the shell", "echo hi | grep -q hi", absl::StatusCode::kOk},
           {"non-zero exit", "exit 3", absl::StatusCode::kUnknown},
           {"killed by a signal", "kill -9 $$", absl::StatusCode::kUnknown},
           {"not found", "/nonexistent/command", absl::StatusCode::kUnknown},
           {"hangs past the timeout", "sleep 30", absl::StatusCode::kDeadlineExceeded},
       }) {
    SCOPED_TRACE(c.name);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(RunShellCommand(c.command, milliseconds(300)).code(), c.want);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  }
}

TEST(ShellCommandTest, ATimeoutKillsTheWholeProcessGroup) {
  TempDir dir;
  const auto marker = dir.path() / "late";
  // The background child would write the marker after 1 s unless killed with its shell.
  const std::string command = "(sleep 1; touch " + marker.string() + ") & sleep 30";
  EXPECT_TRUE(absl::IsDeadlineExceeded(RunShellCommand(command, milliseconds(200))));
  std::this_thread::sleep_for(milliseconds(1500));
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST(ShellCommandTest, RunsWithSignalsUnblocked) {
  // svid-agent blocks SIGTERM in every thread to sigwait for it; the command must not inherit
  // that, or `kill` could not stop it.
  sigset_t term, old;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, &old);
  absl::Status status = RunShellCommand("kill -TERM $$; sleep 5", milliseconds(3000));
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  EXPECT_TRUE(absl::IsUnknown(status)) << status;  // killed by SIGTERM, not timed out
}

}  // namespace
}  // namespace svidd::testing
