#include "svidd/agent/shell_command.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

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
    EXPECT_EQ(agent::RunShellCommand(c.command, milliseconds(300)).code(), c.want);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  }
}

// True once `pid` has exited (gone, or a zombie nobody reaped yet).
bool Exited(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_field, comm, state;
  if (!(stat >> pid_field >> comm >> state)) return true;
  return state == "Z" || state == "X";
}

TEST(ShellCommandTest, ATimeoutKillsTheWholeProcessGroup) {
  TempDir dir;
  const auto pid_file = dir.path() / "child.pid";
  // A background child in the command's process group records its pid, then outlives the shell.
  const std::string command = "sh -c 'echo $$ > " + pid_file.string() + ".tmp && mv " +
                              pid_file.string() + ".tmp " + pid_file.string() +
                              " && exec sleep 30' & sleep 30";
  const auto wrote_pid = [&] { return std::filesystem::exists(pid_file); };
  EXPECT_TRUE(absl::IsDeadlineExceeded(agent::RunShellCommand(command, milliseconds(500))));
  ASSERT_TRUE(wrote_pid()) << "the background child started before the timeout";
  std::ifstream in(pid_file);
  pid_t child = 0;
  ASSERT_TRUE(in >> child);
  // The event: the child is gone. A timeout that killed only the shell would leave it
  // sleeping for 30 s, past this deadline.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!Exited(child) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_TRUE(Exited(child)) << "pid " << child << " survived its command's timeout";
}

TEST(ShellCommandTest, RunsWithSignalsUnblocked) {
  // svid-agent blocks SIGTERM in every thread to sigwait for it; the command must not inherit
  // that, or `kill` could not stop it.
  sigset_t term, old;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, &old);
  absl::Status status = agent::RunShellCommand("kill -TERM $$; sleep 5", milliseconds(3000));
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  EXPECT_TRUE(absl::IsUnknown(status)) << status;  // killed by SIGTERM, not timed out
}

}  // namespace
}  // namespace svidd::testing
