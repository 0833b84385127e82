#include "svidd/publish/http_listener.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <thread>

#include "absl/strings/numbers.h"
#include "spdlog/spdlog.h"

namespace svidd::publish {
namespace {

using Steady = std::chrono::steady_clock;
constexpr auto kStartTimeout = std::chrono::seconds(5);
// Waits are cut into slices this long, so Stop() is noticed promptly.
constexpr auto kSlice = std::chrono::milliseconds(100);

struct HostPort {
  std::string host;
  int port = 0;
};

absl::StatusOr<HostPort> ParseListen(const std::string& what, const std::string& listen) {
  const size_t colon = listen.rfind(':');
  HostPort out;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(listen.substr(colon + 1), &out.port) || out.port < 0 || out.port > 65535) {
    return absl::InvalidArgumentError(what + " must be HOST:PORT, got \"" + listen + "\"");
  }
  out.host = listen.substr(0, colon);
  if (out.host.size() > 2 && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);  // [::1]
  }
  return out;
}

// Waits until `sock` has `events` or `deadline` passes, in slices so `stopping` is seen.
// True if ready.
bool WaitFor(int sock, short events, Steady::time_point deadline,
             const std::atomic<bool>& stopping) {
  while (!stopping.load(std::memory_order_relaxed)) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
    if (left.count() <= 0) return false;
    pollfd p{sock, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min(left, kSlice).count()));
    if (n > 0) return true;  // readable, writable, or hung up: the next call says which
    if (n < 0 && errno != EINTR) return false;
  }
  return false;
}

void AddressOf(int sock, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  const int rc = peer ? ::getpeername(sock, reinterpret_cast<sockaddr*>(&addr), &len)
                      : ::getsockname(sock, reinterpret_cast<sockaddr*>(&addr), &len);
  if (rc != 0) return;
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
    port = ntohs(in->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
    port = ntohs(in6->sin6_port);
  }
  ip = text;
}

}  // namespace

// Named, not anonymous: HttpListener::Impl holds a DeadlineServer, and a member whose type is
// in an anonymous namespace is an error when this file is compiled inside a unity batch.
namespace http_internal {

// One request's view of the socket: every read must come before `read_deadline`, every
// write before `write_deadline`, however the bytes trickle in or out.
class DeadlineStream : public httplib::Stream {
 public:
  DeadlineStream(int sock, const HttpListenerLimits& limits, const std::atomic<bool>& stopping)
      : sock_(sock),
        read_deadline_(Steady::now() + limits.request_deadline),
        write_timeout_(limits.write_timeout),
        stopping_(stopping) {}

  bool is_readable() const override { return WaitFor(sock_, POLLIN, read_deadline_, stopping_); }
  bool is_writable() const override {
    return WaitFor(sock_, POLLOUT, Steady::now() + write_timeout_, stopping_);
  }
  ssize_t read(char* ptr, size_t size) override {
    for (;;) {
      const ssize_t n = ::recv(sock_, ptr, size, MSG_DONTWAIT);
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
      if (!WaitFor(sock_, POLLIN, read_deadline_, stopping_)) return -1;
    }
  }
  ssize_t write(const char* ptr, size_t size) override {
    if (write_deadline_ == Steady::time_point()) write_deadline_ = Steady::now() + write_timeout_;
    size_t sent = 0;
    while (sent < size) {
      const ssize_t n = ::send(sock_, ptr + sent, size - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return -1;
      if (!WaitFor(sock_, POLLOUT, write_deadline_, stopping_)) return -1;
    }
    return static_cast<ssize_t>(sent);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    AddressOf(sock_, true, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    AddressOf(sock_, false, ip, port);
  }
  socket_t socket() const override { return sock_; }

 private:
  const int sock_;
  const Steady::time_point read_deadline_;
  const std::chrono::milliseconds write_timeout_;
  Steady::time_point write_deadline_{};
  const std::atomic<bool>& stopping_;
};

// httplib's Server with its per-connection loop replaced by one with deadlines (see the
// header). Routing, parsing and response writing stay httplib's.
class DeadlineServer : public httplib::Server {
 public:
  explicit DeadlineServer(HttpListenerLimits limits) : limits_(limits) {}
  std::atomic<bool> stopping{false};

  // httplib listens with a backlog of 5: a burst of connections (a scrape during a flood of
  // slow clients) overflows it, and the kernel drops SYNs that clients resend only after a
  // second. Calling listen() again on the bound socket raises the backlog (Linux).
  void WidenBacklog() { ::listen(svr_sock_, SOMAXCONN); }

 private:
  bool process_and_close_socket(socket_t sock) override {
    bool ok = false;
    for (size_t served = 0; served < limits_.max_requests_per_connection; ++served) {
      // Idle (or, for the first request, silent since connecting) for too long: close.
      if (!WaitFor(sock, POLLIN, Steady::now() + limits_.idle_timeout, stopping)) break;
      DeadlineStream stream(sock, limits_, stopping);
      bool closed = false;
      const bool last = served + 1 == limits_.max_requests_per_connection;
      ok = process_request(stream, last, closed, nullptr);
      if (!ok || closed) break;
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }

  const HttpListenerLimits limits_;
};

}  // namespace http_internal

using http_internal::DeadlineServer;

struct HttpListener::Impl {
  explicit Impl(HttpListenerLimits limits) : server(limits) {}
  DeadlineServer server;
  std::thread thread;
  std::atomic<bool> finished{false};  // listen_after_bind() has returned
};

absl::StatusOr<std::unique_ptr<HttpListener>> HttpListener::Start(const std::string& what,
                                                                  const std::string& listen,
                                                                  std::vector<HttpRoute> routes,
                                                                  HttpListenerLimits limits) {
  absl::StatusOr<HostPort> address = ParseListen(what, listen);
  if (!address.ok()) return address.status();
  auto impl = std::make_unique<Impl>(limits);
  DeadlineServer& server = impl->server;
  const size_t threads = std::max<size_t>(limits.threads, 1);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_payload_max_length(limits.max_request_body);
  // Not httplib's default SO_REUSEPORT: a second process must fail to bind the port rather
  // than silently share it. SO_REUSEADDR only lets a restart bind despite TIME_WAIT; failing
  // to set it is harmless.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  for (HttpRoute& route : routes) server.Get(route.pattern, std::move(route.handler));
  int port = address->port;
  const bool bound = port == 0 ? (port = server.bind_to_any_port(address->host)) > 0
                               : server.bind_to_port(address->host, port);
  if (!bound) return absl::UnavailableError("cannot listen on " + what + " " + listen);
  server.WidenBacklog();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] {
    raw->server.listen_after_bind();
    raw->finished = true;
  });
  std::unique_ptr<HttpListener> out(new HttpListener(std::move(impl), port));
  const auto deadline = Steady::now() + kStartTimeout;
  while (!server.is_running() && !raw->finished && Steady::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!server.is_running()) return absl::UnavailableError(what + ": HTTP server did not start");
  spdlog::info("serving HTTP on {} {} (port {})", what, listen, port);
  return out;
}

HttpListener::HttpListener(std::unique_ptr<Impl> impl, int port)
    : impl_(std::move(impl)), port_(port) {}

HttpListener::~HttpListener() { Stop(); }

void HttpListener::Stop() {
  if (impl_ == nullptr || !impl_->thread.joinable()) return;
  impl_->server.stopping = true;
  // stop() does nothing until the accept loop runs, so repeat it until the loop has ended.
  while (!impl_->finished) {
    impl_->server.stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->thread.join();
}

}  // namespace svidd::publish
