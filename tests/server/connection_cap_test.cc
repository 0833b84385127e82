// ConnectionCap's arithmetic and its choice of listener; the shedding itself is tested on
// the real svidd program (tests/integration/fd_exhaustion_test.cc), which alone carries the
// accept4() interposer.
#include "server/connection_cap.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace svidd::server {
namespace {

TEST(ConnectionCapTest, ThresholdKeepsAReserveBelowTheLimit) {
  struct Case {
    const char* name;
    uint64_t limit;
    int max_connections;
    int lowest_free;
    int want;
  };
  const std::vector<Case> cases = {
      {"1024: an eighth kept", 1024, 0, 40, 1024 - 128},
      {"128: at least 64 kept", 128, 0, 40, 64},
      {"100: never more than half kept", 100, 0, 40, 50},
      {"1M: at most 1024 kept", 1 << 20, 0, 40, (1 << 20) - 1024},
      {"max-connections below the limit", 1024, 100, 40, 140},
      {"max-connections above the limit is the limit's", 1024, 5000, 40, 1024 - 128},
      {"an unlimited limit is clamped", ~uint64_t{0}, 0, 40, (1 << 30) - 1024},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ConnectionCap::Threshold(c.limit, c.max_connections, c.lowest_free), c.want);
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
  EXPECT_FALSE(cap.ShouldShed(99));
  EXPECT_TRUE(cap.ShouldShed(100));
  ::close(fd);
}

TEST(ConnectionCapTest, LowestFreeDescriptorIsTheNextOneOpened) {
  const int expected = ConnectionCap::LowestFreeDescriptor();
  const int fd = ::dup(STDERR_FILENO);
  EXPECT_EQ(fd, expected);
  ::close(fd);
}

}  // namespace
}  // namespace svidd::server
