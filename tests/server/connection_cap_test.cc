// ConnectionCap's arithmetic, its choice of listener and its count, on real sockets on
// loopback; the shedding at accept itself is tested on the real svidd program
// (tests/integration/fd_exhaustion_test.cc), which alone carries the accept4() interposer.
#include "server/connection_cap.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

namespace svidd::server {
namespace {

TEST(ConnectionCapTest, ThresholdKeepsAReserveBelowTheLimit) {
  struct Case {
    const char* name;
    uint64_t limit;
    int want;
  };
  const std::vector<Case> cases = {
      {"1024: an eighth kept", 1024, 1024 - 128},
      {"128: at least 64 kept", 128, 64},
      {"100: never more than half kept", 100, 50},
      {"1M: at most 1024 kept", 1 << 20, (1 << 20) - 1024},
      {"an unlimited limit is clamped", ~uint64_t{0}, (1 << 30) - 1024},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ConnectionCap::Threshold(c.limit), c.want);
  }
}

TEST(ConnectionCapTest, GuardsOnlyTheArmedPortsListener) {
  ConnectionCap cap;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in bound{};
  bound.sin_family = AF_INET;
  bound.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(bound);
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&bound), sizeof(bound)), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length), 0);
  const int port = ntohs(bound.sin_port);
  EXPECT_FALSE(cap.Guards(fd)) << "not armed";
  cap.Arm(port + 1 == 65536 ? 1 : port + 1, 100);
  EXPECT_FALSE(cap.Guards(fd)) << "another port";
  cap.Arm(port, 100);
  EXPECT_TRUE(cap.Guards(fd));
  EXPECT_FALSE(cap.Guards(-1));
  EXPECT_TRUE(cap.Admit(99)) << "below the threshold, no count";
  EXPECT_FALSE(cap.Admit(100));
  ::close(fd);
}

TEST(ConnectionCapTest, LowestFreeDescriptorIsTheNextOneOpened) {
  const int expected = ConnectionCap::LowestFreeDescriptor();
  const int fd = ::dup(STDERR_FILENO);
  EXPECT_EQ(fd, expected);
  ::close(fd);
}

// A listener on loopback and the connections made to it, accepted with the C library's
// accept4 as svidd's interposer would see them.
class Loopback {
 public:
  Loopback() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in bound = Address(0);
    socklen_t length = sizeof(bound);
    if (::bind(listener_, reinterpret_cast<const sockaddr*>(&bound), sizeof(bound)) == 0 &&
        ::listen(listener_, 64) == 0 &&
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&bound), &length) == 0) {
      port_ = ntohs(bound.sin_port);
    }
  }
  ~Loopback() {
    for (int fd : open_) ::close(fd);
    ::close(listener_);
  }
  int port() const { return port_; }
  int listener() const { return listener_; }

  // Connects a client, left in the listener's backlog; false on failure.
  bool Connect() {
    const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (client < 0) return false;
    open_.push_back(client);
    const sockaddr_in to = Address(port_);
    return ::connect(client, reinterpret_cast<const sockaddr*>(&to), sizeof(to)) == 0;
  }
  // The server side's descriptor of the next connection in the backlog (-1 on failure).
  int Accept() {
    const int accepted = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (accepted >= 0) open_.push_back(accepted);
    return accepted;
  }
  int ConnectAndAccept() { return Connect() ? Accept() : -1; }
  void Close(int fd) {
    std::erase(open_, fd);
    ::close(fd);
  }

 private:
  static sockaddr_in Address(int port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(port));
    return address;
  }
  int listener_ = -1;
  int port_ = 0;
  std::vector<int> open_;
};

TEST(ConnectionCapTest, OnlyAConnectionAcceptedOnThePortCounts) {
  Loopback loopback;
  ASSERT_NE(loopback.port(), 0);
  const int accepted = loopback.ConnectAndAccept();
  ASSERT_GE(accepted, 0);
  EXPECT_TRUE(ConnectionCap::IsConnectionOnPort(accepted, loopback.port()));
  EXPECT_FALSE(ConnectionCap::IsConnectionOnPort(loopback.listener(), loopback.port()))
      << "the listener";
  EXPECT_FALSE(ConnectionCap::IsConnectionOnPort(accepted, loopback.port() + 1));
  EXPECT_FALSE(ConnectionCap::IsConnectionOnPort(STDERR_FILENO, loopback.port()));
  EXPECT_FALSE(ConnectionCap::IsConnectionOnPort(-1, loopback.port()));
}

// --max-connections is a count of connections held: those closed make room again, and a
// descriptor number says nothing (the defect this replaced let 32 in for a cap of 20, because
// files closed after the cap was armed freed low numbers).
TEST(ConnectionCapTest, MaxConnectionsCountsTheConnectionsHeldNotDescriptorNumbers) {
  Loopback loopback;
  ASSERT_NE(loopback.port(), 0);
  std::vector<int> files;  // closed after arming: free numbers below the first connection's
  for (int i = 0; i < 8; ++i) files.push_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  FakeClock clock(SystemClock::Instance().Now());
  ConnectionCap cap(clock);
  cap.Arm(loopback.port(), 1 << 20, /*max_connections=*/3);
  for (int fd : files) ::close(fd);

  std::vector<int> admitted;
  for (int i = 0; i < 6; ++i) {
    const int fd = loopback.ConnectAndAccept();
    ASSERT_GE(fd, 0);
    if (cap.Admit(fd)) {
      admitted.push_back(fd);
    } else {
      loopback.Close(fd);  // as the interposer sheds it
    }
  }
  EXPECT_EQ(admitted.size(), 3u);
  EXPECT_EQ(cap.held(), 3u);

  // gRPC closes one without telling the cap; its number goes to a file first, then the next
  // connection gets another: room for exactly one more (once the cap checks again).
  loopback.Close(admitted[0]);
  const int file = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  EXPECT_EQ(file, admitted[0]) << "the lowest free number";
  clock.Advance(ConnectionCap::kCheckEvery);
  const int next = loopback.ConnectAndAccept();
  ASSERT_GE(next, 0);
  EXPECT_TRUE(cap.Admit(next));
  const int over = loopback.ConnectAndAccept();
  ASSERT_GE(over, 0);
  EXPECT_FALSE(cap.Admit(over));
  EXPECT_EQ(cap.held(), 3u);
  ::close(file);
}

TEST(ConnectionCapTest, ANumberHandedOutAgainIsOneConnection) {
  Loopback loopback;
  ASSERT_NE(loopback.port(), 0);
  ConnectionCap cap;
  cap.Arm(loopback.port(), 1 << 20, /*max_connections=*/2);
  const int first = loopback.ConnectAndAccept();
  ASSERT_TRUE(cap.Admit(first));
  ASSERT_TRUE(loopback.Connect());
  loopback.Close(first);
  const int again = loopback.Accept();
  ASSERT_EQ(again, first) << "the kernel reuses the lowest free number";
  EXPECT_TRUE(cap.Admit(again));
  EXPECT_EQ(cap.held(), 1u);
  EXPECT_TRUE(cap.Admit(loopback.ConnectAndAccept()));
  EXPECT_FALSE(cap.Admit(loopback.ConnectAndAccept()));
}

// At the cap, each remembered descriptor costs two system calls to check, so a flood of
// connects must not check on every one: at most once per kCheckEvery, whichever way the clock
// moved.
TEST(ConnectionCapTest, AtTheCapTheKernelIsAskedAtMostOncePerInterval) {
  Loopback loopback;
  ASSERT_NE(loopback.port(), 0);
  FakeClock clock(SystemClock::Instance().Now());
  ConnectionCap cap(clock);
  cap.Arm(loopback.port(), 1 << 20, /*max_connections=*/1);
  const int held = loopback.ConnectAndAccept();
  ASSERT_TRUE(cap.Admit(held));
  EXPECT_FALSE(cap.Admit(loopback.ConnectAndAccept())) << "checked: still held";
  loopback.Close(held);
  EXPECT_FALSE(cap.Admit(loopback.ConnectAndAccept())) << "checked less than kCheckEvery ago";
  clock.Advance(ConnectionCap::kCheckEvery);
  const int next = loopback.ConnectAndAccept();
  EXPECT_TRUE(cap.Admit(next)) << "the next check finds the closed one";
  loopback.Close(next);
  clock.Advance(-std::chrono::hours(1));
  EXPECT_TRUE(cap.Admit(loopback.ConnectAndAccept())) << "a clock set back does not stop it";
}

}  // namespace
}  // namespace svidd::server
