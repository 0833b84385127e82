#include "integration/child_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "gtest/gtest.h"

namespace svidd::testing {
namespace {

// Between fork and exec the child calls only async-signal-safe functions: the test process has
// many threads (the server's, the ledger's), and one of them may hold an allocator lock at the
// fork, which the child's copy would then wait for forever (under ASan it did, once: a child
// that never reached exec). So argv is built before the fork.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& out, const std::string& err) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int err_fd = err == out ? out_fd : ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ::dup2(out_fd, 1);
  ::dup2(err_fd, 2);
  int null_fd = ::open("/dev/null", O_RDONLY);
  ::dup2(null_fd, 0);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execv(args[0], args.data());
  ::_exit(127);
}

std::optional<int> WaitFor(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? std::optional<int>(WEXITSTATUS(status)) : -1;
    if (r < 0 || std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string Slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

CommandResult RunCommand(const std::vector<std::string>& argv, std::chrono::seconds timeout) {
  char out_template[] = "/tmp/svidd-cmd-out-XXXXXX";
  char err_template[] = "/tmp/svidd-cmd-err-XXXXXX";
  ::close(::mkstemp(out_template));
  ::close(::mkstemp(err_template));
  CommandResult result;
  pid_t pid = Spawn(argv, out_template, err_template);
  std::optional<int> code = pid > 0 ? WaitFor(pid, timeout) : std::nullopt;
  if (!code && pid > 0) {
    ::kill(pid, SIGKILL);
    WaitFor(pid, std::chrono::seconds(5));
  }
  result.exit_code = code.value_or(-1);
  result.out = Slurp(out_template);
  result.err = Slurp(err_template);
  std::filesystem::remove(out_template);
  std::filesystem::remove(err_template);
  ExpectNoSanitizerReports(pid, argv.empty() ? "" : argv[0]);
  return result;
}

void ExpectNoSanitizerReports(pid_t pid, const std::string& program) {
  for (const char* var : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS"}) {
    const char* options = std::getenv(var);
    if (options == nullptr) continue;
    std::stringstream fields(options);
    for (std::string field; std::getline(fields, field, ':');) {
      if (field.rfind("log_path=", 0) != 0) continue;
      std::filesystem::path report = field.substr(9) + "." + std::to_string(pid);
      std::error_code ec;
      if (std::filesystem::exists(report, ec)) {
        ADD_FAILURE() << "sanitizer report from " << program << " (pid " << pid << "), " << report
                      << ":\n"
                      << Slurp(report);
      }
    }
  }
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& log)
    : program_(argv.empty() ? "" : argv[0]), log_(log) {
  pid_ = Spawn(argv, log.string(), log.string());
  spawned_pid_ = pid_;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && running()) {
    ::kill(pid_, SIGKILL);
    WaitFor(pid_, std::chrono::seconds(5));
  }
  ExpectNoSanitizerReports(spawned_pid_, program_);
}

// Never kill(pid_ <= 0): kill(-1, ...) signals every process the caller may signal (as root:
// the whole machine), kill(0, ...) the caller's own process group. A process that has already
// been reaped answers with the exit code it had.
std::optional<int> ChildProcess::StopWith(int signal, std::chrono::seconds timeout) {
  if (pid_ <= 0) return exit_code_;
  ::kill(pid_, signal);
  return WaitExit(timeout);
}

std::optional<int> ChildProcess::WaitExit(std::chrono::seconds timeout) {
  if (pid_ <= 0) return exit_code_;
  std::optional<int> code = WaitFor(pid_, timeout);
  if (code) {
    pid_ = -1;
    exit_code_ = code;
  }
  return code;
}

bool ChildProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    pid_ = -1;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return false;
  }
  return r == 0;
}

std::string ChildProcess::log() const { return Slurp(log_); }

int WaitForPortFile(const std::filesystem::path& path, ChildProcess& process,
                    std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::string content = Slurp(path);
    if (!content.empty() && content.back() == '\n') return std::stoi(content);
    if (!process.running()) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

}  // namespace svidd::testing
