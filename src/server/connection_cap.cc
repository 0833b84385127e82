#include "server/connection_cap.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

namespace svidd::server {

ConnectionCap& ConnectionCap::Process() {
  static ConnectionCap* cap = new ConnectionCap();  // never destroyed: accept4 may run late
  return *cap;
}

int ConnectionCap::Threshold(uint64_t limit, int max_connections, int lowest_free) {
  const uint64_t capped = std::min<uint64_t>(limit, 1 << 30);
  const uint64_t reserve = std::min(std::clamp<uint64_t>(capped / 8, 64, 1024), capped / 2);
  int threshold = static_cast<int>(capped - reserve);
  if (max_connections > 0) threshold = std::min(threshold, lowest_free + max_connections);
  return threshold;
}

int ConnectionCap::LowestFreeDescriptor() {
  const int fd = ::fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return 3;
  ::close(fd);
  return fd;
}

void ConnectionCap::Arm(int port, int threshold) {
  threshold_.store(threshold);
  port_.store(port);
}

bool ConnectionCap::Guards(int listen_fd) const {
  const int port = port_.load();
  if (port == 0) return false;
  sockaddr_storage local{};
  socklen_t length = sizeof(local);
  if (::getsockname(listen_fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) return false;
  if (local.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&local)->sin_port) == port;
  }
  if (local.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&local)->sin6_port) == port;
  }
  return false;
}

}  // namespace svidd::server
