#include "server/connection_cap.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

namespace svidd::server {
namespace {

// The local TCP port of socket `fd`; 0 if it is not an IPv4/IPv6 socket (or not open).
int LocalPort(int fd) {
  sockaddr_storage local{};
  socklen_t length = sizeof(local);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) return 0;
  if (local.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&local)->sin_port);
  }
  if (local.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&local)->sin6_port);
  }
  return 0;
}

}  // namespace

ConnectionCap& ConnectionCap::Process() {
  static ConnectionCap* cap = new ConnectionCap();  // never destroyed: accept4 may run late
  return *cap;
}

int ConnectionCap::Threshold(uint64_t limit) {
  const uint64_t capped = std::min<uint64_t>(limit, 1 << 30);
  const uint64_t reserve = std::min(std::clamp<uint64_t>(capped / 8, 64, 1024), capped / 2);
  return static_cast<int>(capped - reserve);
}

int ConnectionCap::LowestFreeDescriptor() {
  const int fd = ::fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return 3;
  ::close(fd);
  return fd;
}

bool ConnectionCap::IsConnectionOnPort(int fd, int port) {
  if (port == 0 || LocalPort(fd) != port) return false;
  // The listener has that local port too; a connection svidd dialled has an ephemeral one.
  int listening = 0;
  socklen_t length = sizeof(listening);
  if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0) return false;
  return listening == 0;
}

void ConnectionCap::Arm(int port, int threshold, int max_connections) {
  {
    MutexLock lock(&mu_);
    max_connections_ = std::max(0, max_connections);
    held_.clear();
    last_check_.reset();
  }
  threshold_.store(threshold);
  port_.store(port);
}

bool ConnectionCap::Guards(int listen_fd) const {
  const int port = port_.load();
  return port != 0 && LocalPort(listen_fd) == port;
}

bool ConnectionCap::Admit(int accepted) {
  if (accepted >= threshold_.load()) return false;
  MutexLock lock(&mu_);
  if (max_connections_ == 0) return true;
  // A number remembered but just handed out again was closed in between.
  held_.erase(accepted);
  if (held_.size() >= static_cast<size_t>(max_connections_)) ForgetClosed();
  if (held_.size() >= static_cast<size_t>(max_connections_)) return false;
  held_.insert(accepted);
  return true;
}

size_t ConnectionCap::held() const {
  MutexLock lock(&mu_);
  return held_.size();
}

void ConnectionCap::ForgetClosed() {
  const TimePoint now = clock_.Now();
  // A clock set back counts as time passed: the check must not stop for that long.
  if (last_check_ && now >= *last_check_ && now - *last_check_ < kCheckEvery) return;
  last_check_ = now;
  const int port = port_.load();
  std::erase_if(held_, [port](int fd) { return !IsConnectionOnPort(fd, port); });
}

}  // namespace svidd::server
