#include "server/metrics_http_server.h"

#include <exception>
#include <vector>

#include "prometheus/exposer.h"
#include "prometheus/registry.h"
#include "spdlog/spdlog.h"

namespace svidd {
namespace {

constexpr size_t kThreads = 2;  // one scraper, now and then

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    const std::string& listen, std::shared_ptr<prometheus::Registry> registry) {
  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    // civetweb (under the Exposer) reports a failed bind by throwing.
    exposer = std::make_unique<prometheus::Exposer>(listen, kThreads);
  } catch (const std::exception& e) {
    return absl::UnavailableError("cannot serve metrics on " + listen + ": " + e.what());
  }
  const std::vector<int> ports = exposer->GetListeningPorts();
  if (ports.empty() || ports.front() <= 0) {
    return absl::UnavailableError("cannot serve metrics on " + listen + ": no port bound");
  }
  exposer->RegisterCollectable(registry);  // held weakly
  spdlog::info("serving Prometheus metrics on http://{}/metrics (port {})", listen,
               ports.front());
  return std::unique_ptr<MetricsHttpServer>(
      new MetricsHttpServer(std::move(exposer), ports.front()));
}

MetricsHttpServer::MetricsHttpServer(std::unique_ptr<prometheus::Exposer> exposer, int port)
    : exposer_(std::move(exposer)), port_(port) {}

MetricsHttpServer::~MetricsHttpServer() = default;

}  // namespace svidd
