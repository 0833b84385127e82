// HttpListener against misbehaving clients, over real loopback sockets: idle connections and
// slowloris clients (a header byte now and then) must not stop others from being answered,
// and a request that trickles in is cut off at its deadline however steady the trickle.
#include "svidd/publish/http_listener.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <sstream>
#include <thread>

#include "svidd/metrics/server_metrics.h"
#include "svidd/publish/http_routes.h"

namespace svidd::publish {
namespace {

// A TCP connection to 127.0.0.1:port, closed when it goes out of scope.
class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  bool connected() const { return connected_; }
  bool Send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // True once the server has closed the connection (EOF or reset), waiting at most `wait`.
  bool ClosedByServerWithin(std::chrono::milliseconds wait) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return false;
    char buf[256];
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    return n <= 0;
  }

 private:
  int fd_;
  bool connected_ = false;
};

class HttpListenerTest : public ::testing::Test {
 protected:
  void StartListener(HttpListenerLimits limits) {
    std::vector<HttpRoute> routes = CrlRoutes([] { return std::make_shared<const CrlSet>(); });
    for (HttpRoute& r : MetricsRoutes(metrics_.registry())) routes.push_back(std::move(r));
    auto listener =
        HttpListener::Start("--metrics-listen", "127.0.0.1:0", std::move(routes), limits);
    ASSERT_TRUE(listener.ok()) << listener.status();
    listener_ = *std::move(listener);
  }
  // GET with a short bound: a listener blocked by other clients fails it.
  int Get(const std::string& path) {
    httplib::Client client("127.0.0.1", listener_->port());
    client.set_connection_timeout(std::chrono::seconds(2));
    client.set_read_timeout(std::chrono::seconds(2));
    httplib::Result res = client.Get(path);
    return res ? res->status : -1;
  }

  metrics::ServerMetrics metrics_;
  std::unique_ptr<HttpListener> listener_;
};

TEST_F(HttpListenerTest, IdleConnectionsDoNotBlockOthers) {
  StartListener({});
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 8; ++i) {
    idle.push_back(std::make_unique<RawConnection>(listener_->port()));
    ASSERT_TRUE(idle.back()->connected());
  }
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Get("/metrics"), 200);
    EXPECT_EQ(Get("/ca-crl.pem"), 404) << "answered: nothing published";
  }
}

TEST_F(HttpListenerTest, FiftySlowlorisClientsDoNotBlockOthers) {
  StartListener({});
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 50; ++i) {
    slow.push_back(std::make_unique<RawConnection>(listener_->port()));
    ASSERT_TRUE(slow.back()->connected());
    ASSERT_TRUE(slow.back()->Send("GET /ca-crl.pem HTTP/1.1\r\nHost: x\r\n"));
  }
  std::atomic<bool> done{false};
  std::thread dribble([&] {
    for (int round = 0; round < 100 && !done; ++round) {  // bounded: 10 s at most
      for (auto& c : slow) c->Send("X");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Get("/metrics"), 200);
    EXPECT_EQ(Get("/ca-crl.pem"), 404);
  }
  done = true;
  dribble.join();
}

TEST_F(HttpListenerTest, ATricklingRequestIsCutOffAtItsDeadline) {
  HttpListenerLimits limits;
  limits.request_deadline = std::chrono::milliseconds(500);
  StartListener(limits);
  RawConnection slow(listener_->port());
  ASSERT_TRUE(slow.connected());
  ASSERT_TRUE(slow.Send("GET /metrics HTTP/1.1\r\n"));
  bool closed = false;
  // A byte every 100 ms is well inside any per-read timeout; only a deadline on the whole
  // request ends it. Bounded: 5 s.
  for (int i = 0; i < 50 && !closed; ++i) {
    slow.Send("X");
    closed = slow.ClosedByServerWithin(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(closed);
}

TEST_F(HttpListenerTest, AnIdleConnectionIsClosedAfterTheIdleTimeout) {
  HttpListenerLimits limits;
  limits.idle_timeout = std::chrono::milliseconds(300);
  StartListener(limits);
  RawConnection idle(listener_->port());
  ASSERT_TRUE(idle.connected());
  EXPECT_TRUE(idle.ClosedByServerWithin(std::chrono::seconds(5)));
}

TEST_F(HttpListenerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  StartListener({});
  httplib::Client client("127.0.0.1", listener_->port());
  client.set_keep_alive(true);
  client.set_read_timeout(std::chrono::seconds(2));
  for (int i = 0; i < 5; ++i) {
    httplib::Result res = client.Get("/metrics");
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200);
  }
}

// httplib alone listens with a backlog of 5: a burst of connects overflows it and the kernel
// drops SYNs, which clients resend only a second later. `ss` reports a listener's backlog as
// its Send-Q.
TEST_F(HttpListenerTest, ListensWithABacklogForBursts) {
  StartListener({});
  const std::string command =
      "ss -ltnH 'sport = :" + std::to_string(listener_->port()) + "' 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char line[512] = {};
  const bool got = std::fgets(line, sizeof(line), pipe) != nullptr;
  ::pclose(pipe);
  if (!got) GTEST_SKIP() << "ss (iproute2) is not available";
  std::istringstream row(line);
  std::string state;
  long recv_q = 0, backlog = 0;
  row >> state >> recv_q >> backlog;
  EXPECT_EQ(state, "LISTEN") << line;
  EXPECT_GE(backlog, 128) << line;
}

TEST_F(HttpListenerTest, StopEndsIdleConnectionsPromptly) {
  StartListener({});
  RawConnection idle(listener_->port());
  ASSERT_TRUE(idle.connected());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let a worker take it
  listener_->Stop();  // would wait out the 5 s idle timeout if it did not cut it short
  EXPECT_TRUE(idle.ClosedByServerWithin(std::chrono::milliseconds(0)) ||
              idle.ClosedByServerWithin(std::chrono::seconds(1)));
}

}  // namespace
}  // namespace svidd::publish
