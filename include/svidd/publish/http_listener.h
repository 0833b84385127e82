// svidd's one plain-HTTP stack (cpp-httplib): a listener on HOST:PORT serving a fixed set of
// GET routes (CRLs, /metrics, /healthz, /readyz; see http_routes.h) from a pool of threads.
//
// It must keep answering while clients misbehave. httplib's own connection loop bounds each
// recv() but not a whole request, so a client sending a byte every few seconds (slowloris)
// would hold a thread for hours. This listener runs its own loop per connection instead:
//   - a connection may sit idle between requests for at most `idle_timeout`;
//   - a request (line, headers, body) must arrive completely within `request_deadline` of
//     its first byte, whatever the pace of the bytes;
//   - a response must be taken within `write_timeout`;
//   - at most `max_requests_per_connection` requests per connection.
// So a thread is held for at most idle_timeout + request_deadline + write_timeout per
// request, and `threads` slow clients at once delay the others by at most that long.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace svidd::publish {

struct HttpRoute {
  std::string pattern;  // httplib's regular expression over the path
  std::function<void(const httplib::Request&, httplib::Response&)> handler;
};

struct HttpListenerLimits {
  size_t threads = 64;
  std::chrono::milliseconds idle_timeout{5000};
  std::chrono::milliseconds request_deadline{5000};
  std::chrono::milliseconds write_timeout{5000};
  size_t max_requests_per_connection = 100;
  size_t max_request_body = 1024;  // every route is a GET
};

class HttpListener {
 public:
  // Listening and serving when it returns. `listen` is HOST:PORT ([v6]:PORT; port 0: an
  // ephemeral one, see port()); `what` names it in messages ("--crl-listen"). UNAVAILABLE if
  // it cannot bind, INVALID_ARGUMENT for a bad address.
  static absl::StatusOr<std::unique_ptr<HttpListener>> Start(const std::string& what,
                                                             const std::string& listen,
                                                             std::vector<HttpRoute> routes,
                                                             HttpListenerLimits limits = {});
  ~HttpListener();  // Stop()
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  int port() const { return port_; }
  // Stops accepting, ends idle connections, finishes requests in progress, joins the threads.
  // Idempotent.
  void Stop();

  struct Impl;

 private:
  HttpListener(std::unique_ptr<Impl> impl, int port);
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace svidd::publish
