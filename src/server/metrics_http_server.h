// Plain-HTTP Prometheus endpoint (--metrics-listen): GET /metrics serves a registry in the
// text exposition format, written by prometheus-cpp's Exposer. Only started when asked for;
// the metrics themselves (server_metrics.h) exist either way.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace prometheus {
class Exposer;
class Registry;
}  // namespace prometheus

namespace svidd {

class MetricsHttpServer {
 public:
  // Listening and serving when it returns. `listen` is HOST:PORT (port 0: an ephemeral one,
  // see port()). UNAVAILABLE naming the address if it cannot listen there.
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(
      const std::string& listen, std::shared_ptr<prometheus::Registry> registry);
  ~MetricsHttpServer();  // stops listening, joins the server's threads
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  int port() const { return port_; }

 private:
  MetricsHttpServer(std::unique_ptr<prometheus::Exposer> exposer, int port);
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
};

}  // namespace svidd
