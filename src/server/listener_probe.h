// svidd calling itself: a fresh TLS connection to its own gRPC port and a health Check on it,
// as a client would. gRPC 1.51 stops accepting for good after accept4() fails with EMFILE
// while health still says SERVING to connections opened before; only a new connection shows
// that the listener is dead.
#pragma once

#include <chrono>
#include <string>

#include "absl/status/status.h"

namespace svidd {

struct ListenerProbeTarget {
  std::string address;      // HOST:PORT to dial, e.g. 127.0.0.1:15012
  std::string server_name;  // a name svidd's serving certificate holds
  std::string roots_pem;    // the mesh roots that certificate chains to
};

// OK if a new connection completed the TLS handshake and the health call got any answer (the
// status it reports is not the probe's business); UNAVAILABLE with gRPC's reason otherwise.
absl::Status ProbeListener(const ListenerProbeTarget& target, std::chrono::milliseconds timeout);

// The address to dial for `listen` (HOST:PORT as given to --listen) bound to `port`: a
// wildcard host becomes loopback.
std::string ProbeAddress(const std::string& listen, int port);

}  // namespace svidd
