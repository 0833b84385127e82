// The review's finding: at the common soft limit of 1024 descriptors, one round of idle TCP
// connects made gRPC 1.51 stop accepting for good while health said SERVING. svidd runs here
// under a low hard limit (prlimit, so raising the soft limit cannot help), is exhausted with
// idle connects, and must then either accept again or exit non-zero for its supervisor,
// after which a restarted svidd accepts.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <iostream>
#include <thread>

#include "integration/ca_client.h"
#include "integration/child_process.h"
#include "integration/test_env.h"
#include "server/listener_probe.h"
#include "svidd/common/atomic_file.h"

namespace svidd::testing {
namespace {

constexpr int kDescriptorLimit = 128;
constexpr int kIdleConnects = 400;

// An idle TCP connection to 127.0.0.1:port (the kernel completes it from the backlog whether
// or not svidd accepts); -1 if the socket could not be made.
int IdleConnect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
  return fd;
}

class FdExhaustionTest : public ::testing::Test {
 protected:
  std::unique_ptr<ChildProcess> Start(const std::vector<std::string>& prefix) {
    std::filesystem::remove(port_file_);
    std::vector<std::string> argv = prefix;
    for (const std::string& a :
         {std::string(SVIDD_BINARY), std::string("--data-dir"), data_.string(),
          std::string("--listen"), std::string("127.0.0.1:0"), std::string("--port-file"),
          port_file_.string(), std::string("--self-probe-interval"), std::string("1s")}) {
      argv.push_back(a);
    }
    auto child = std::make_unique<ChildProcess>(
        argv, dir_.path() / ("svidd-" + std::to_string(++starts_) + ".log"));
    port_ = WaitForPortFile(port_file_, *child);
    EXPECT_NE(port_, 0) << child->log();
    return child;
  }
  bool NewConnectionWorks() {
    auto root = ReadFileToString(data_ / "ca" / "root-cert.pem");
    return root.ok() && HealthSaysServing(MakeCaChannel(port_, *root));
  }

  TempDir dir_;
  std::filesystem::path data_ = dir_.path() / "data";
  std::filesystem::path port_file_ = dir_.path() / "port";
  int port_ = 0;
  int starts_ = 0;
};

TEST_F(FdExhaustionTest, AfterExhaustionSviddAcceptsAgainOrExitsForARestart) {
  auto svidd = Start({"/usr/bin/prlimit", "--nofile=" + std::to_string(kDescriptorLimit) + ":" +
                                              std::to_string(kDescriptorLimit)});
  ASSERT_NE(port_, 0);
  ASSERT_TRUE(NewConnectionWorks()) << svidd->log();

  std::vector<int> idle;
  for (int i = 0; i < kIdleConnects; ++i) idle.push_back(IdleConnect(port_));
  // Held until svidd has run out (its accept4 failing), at most 10 s.
  for (int i = 0; i < 100 && svidd->log().find("Too many open files") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(svidd->log().find("Too many open files"), std::string::npos) << svidd->log();
  for (int fd : idle) {
    if (fd >= 0) ::close(fd);
  }

  // Either a new connection works again, or svidd exits with its dead-listener code (3).
  std::optional<int> exit_code;
  bool accepts = false;
  for (int i = 0; i < 60 && !accepts && !exit_code.has_value(); ++i) {
    exit_code = svidd->WaitExit(std::chrono::seconds(1));
    if (!exit_code.has_value()) accepts = NewConnectionWorks();
  }
  ASSERT_TRUE(accepts || exit_code.has_value()) << "a dead listener kept running\n" << svidd->log();
  std::cout << (exit_code.has_value() ? "svidd exited for a restart\n" : "svidd accepts again\n");
  if (exit_code.has_value()) {
    EXPECT_EQ(*exit_code, 3) << svidd->log();
    EXPECT_NE(svidd->log().find("accepts no connections"), std::string::npos) << svidd->log();
    auto restarted = Start({});  // what the supervisor does
    ASSERT_NE(port_, 0);
    EXPECT_TRUE(NewConnectionWorks()) << restarted->log();
    EXPECT_EQ(restarted->StopWith(SIGTERM), 0) << restarted->log();
  } else {
    EXPECT_EQ(svidd->StopWith(SIGTERM), 0) << svidd->log();
  }
}

// The probe itself: a live port answers, even with svidd's clock a day ahead (the probe
// asks whether the port accepts, not whom it trusts); a port nobody accepts on does not.
TEST(ListenerProbeTest, AnswersOnALivePortOnlyWhateverTheClock) {
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  const std::string address = ProbeAddress("127.0.0.1:0", env->server().port());
  EXPECT_TRUE(ProbeListener(address, "localhost", std::chrono::seconds(5)).ok());
  env->clock().Advance(std::chrono::hours(30));
  ASSERT_TRUE(env->server().RunMaintenance().ok());  // renews svidd's own certificate
  EXPECT_TRUE(ProbeListener(address, "localhost", std::chrono::seconds(5)).ok());
  // A socket that listens but never accepts: what a dead gRPC listener looks like.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in bound{};
  bound.sin_family = AF_INET;
  bound.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(bound);
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&bound), sizeof(bound)), 0);
  ASSERT_EQ(::listen(fd, 16), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length), 0);
  absl::Status dead =
      ProbeListener(ProbeAddress("0.0.0.0:0", ntohs(bound.sin_port)), "localhost",
                    std::chrono::seconds(1));
  EXPECT_TRUE(absl::IsUnavailable(dead)) << dead;
  ::close(fd);
}

}  // namespace
}  // namespace svidd::testing
