// svidd's watch on its own gRPC listener (--self-probe-interval): every interval a new
// connection to the port (listener_probe.h); so many failures in a row, with no connections
// shed at the cap in between, declare the listener dead. gRPC 1.51 never accepts again after
// one accept4() EMFILE, while connections opened before still hear SERVING: only a new
// connection tells. A dead listener is not recovered in process; whoever owns the probe turns
// health NOT_SERVING and asks for a restart.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "server/periodic_task.h"

namespace svidd::server {

struct ListenerSelfProbeOptions {
  std::string address;   // HOST:PORT to dial (ProbeAddress)
  std::string tls_name;  // a name svidd's certificate holds (SNI)
  std::chrono::milliseconds interval{0};
  int failures_to_dead = 3;  // failed probes in a row that declare the listener dead
  // Connections the cap has closed at accept so far (ConnectionCap::shed); empty: no cap.
  std::function<uint64_t()> connections_shed;
  // Called once, on the probe's thread, when the listener is declared dead; probing stops.
  std::function<void()> on_dead;
};

class ListenerSelfProbe {
 public:
  explicit ListenerSelfProbe(ListenerSelfProbeOptions options);
  ~ListenerSelfProbe() { Stop(); }

  // Probes every interval from now on.
  void Start();
  // Idempotent; waits for a probe under way.
  void Stop() { task_.Stop(); }

 private:
  // One probe; false once the listener is declared dead.
  bool ProbeOnce();
  uint64_t Shed() const;

  const ListenerSelfProbeOptions options_;
  PeriodicTask task_;
  // Touched only by the probe's thread (and by Start() before it runs).
  int failures_ = 0;
  uint64_t shed_ = 0;
};

}  // namespace svidd::server
