// ListenerSelfProbe against a socket that listens but never accepts, which is what a dead
// gRPC listener looks like: so many failures in a row declare it dead, once; connections shed
// at the cap in between mean the listener is alive. The probe itself (listener_probe.h) and
// svidd's reaction are tested on the real server (tests/integration/fd_exhaustion_test.cc).
#include "server/listener_self_probe.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>

#include "server/event_counter.h"
#include "server/listener_probe.h"

namespace svidd::server {
namespace {

using ::svidd::testing::EventCounter;

// A loopback socket in the listening state whose connections nobody accepts.
class UnacceptedListener {
 public:
  UnacceptedListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in bound{};
    bound.sin_family = AF_INET;
    bound.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(bound);
    ok_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<const sockaddr*>(&bound), sizeof(bound)) == 0 &&
          ::listen(fd_, 16) == 0 &&
          ::getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &length) == 0;
    port_ = ntohs(bound.sin_port);
  }
  ~UnacceptedListener() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return ok_; }
  std::string address() const { return ProbeAddress("127.0.0.1:0", port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
  bool ok_ = false;
};

ListenerSelfProbeOptions FastProbe(const std::string& address, int failures_to_dead) {
  ListenerSelfProbeOptions options;
  options.address = address;
  options.tls_name = "localhost";
  options.interval = std::chrono::milliseconds(50);
  options.failures_to_dead = failures_to_dead;
  return options;
}

TEST(ListenerSelfProbeTest, FailuresInARowDeclareTheListenerDeadOnce) {
  UnacceptedListener listener;
  ASSERT_TRUE(listener.ok());
  EventCounter dead, probes;
  ListenerSelfProbeOptions options = FastProbe(listener.address(), 2);
  options.connections_shed = [&] {  // read at Start() and after every probe; nothing shed
    probes.Add();
    return uint64_t{0};
  };
  options.on_dead = [&] { dead.Add(); };
  ListenerSelfProbe probe(std::move(options));
  probe.Start();
  ASSERT_TRUE(dead.WaitFor(1));
  probe.Stop();
  EXPECT_EQ(dead.count(), 1);
  EXPECT_EQ(probes.count(), 1 + 2);  // probing stopped at the second failure
}

TEST(ListenerSelfProbeTest, ConnectionsShedAtTheCapMeanTheListenerIsAlive) {
  UnacceptedListener listener;
  ASSERT_TRUE(listener.ok());
  EventCounter dead, probes;
  std::atomic<uint64_t> shed{0};
  ListenerSelfProbeOptions options = FastProbe(listener.address(), 2);
  options.connections_shed = [&] {  // the cap closed one more connection before each probe
    probes.Add();
    return shed.fetch_add(1) + 1;
  };
  options.on_dead = [&] { dead.Add(); };
  ListenerSelfProbe probe(std::move(options));
  probe.Start();
  // Four failed probes, each read after the connection counter: twice what declares it dead.
  ASSERT_TRUE(probes.WaitFor(1 + 4));
  probe.Stop();
  EXPECT_EQ(dead.count(), 0);
}

}  // namespace
}  // namespace svidd::server
