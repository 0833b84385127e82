#include "server/listener_self_probe.h"

#include <algorithm>
#include <utility>

#include "server/listener_probe.h"
#include "spdlog/spdlog.h"

namespace svidd::server {

ListenerSelfProbe::ListenerSelfProbe(ListenerSelfProbeOptions options)
    : options_(std::move(options)), task_(options_.interval) {}

void ListenerSelfProbe::Start() {
  shed_ = Shed();
  task_.Start([this] { return ProbeOnce(); });
}

uint64_t ListenerSelfProbe::Shed() const {
  return options_.connections_shed ? options_.connections_shed() : 0;
}

bool ListenerSelfProbe::ProbeOnce() {
  const auto timeout =
      std::min<std::chrono::milliseconds>(options_.interval, std::chrono::seconds(5));
  absl::Status probe = ProbeListener(options_.address, options_.tls_name, timeout);
  // At the connection cap the listener is alive, shedding (the probe's connection too).
  const uint64_t shed_before = std::exchange(shed_, Shed());
  const bool at_cap = shed_ > shed_before;
  if (at_cap) {
    spdlog::warn(
        "connection cap: {} connections closed at accept since the last probe "
        "(--max-connections)",
        shed_ - shed_before);
  }
  failures_ = probe.ok() || at_cap ? 0 : failures_ + 1;
  if (probe.ok()) spdlog::debug("self-probe of {} answered", options_.address);
  if (!probe.ok() && !at_cap) {
    spdlog::error("self-probe {}/{} failed: {}", failures_, options_.failures_to_dead,
                  std::string(probe.message()));
  }
  if (failures_ < options_.failures_to_dead) return true;
  spdlog::critical(
      "the gRPC listener on {} accepts no connections (descriptors exhausted?); "
      "health is NOT_SERVING and svidd needs a restart",
      options_.address);
  if (options_.on_dead) options_.on_dead();
  return false;
}

}  // namespace svidd::server
