// svidd calling itself: a fresh TLS connection to its own gRPC port and a health Check on it,
// as a client would. gRPC 1.51 stops accepting for good after accept4() fails with EMFILE
// while health still says SERVING to connections opened before; only a new connection shows
// that the listener is dead. The probe does not verify svidd's certificate: it asks whether
// the port accepts and completes handshakes, not who answers (nobody else can hold the
// port svidd is listening on), so a clock or trust problem never reads as a dead listener.
#pragma once

#include <chrono>
#include <string>

#include "absl/status/status.h"

namespace svidd::server {

// OK if a new connection to `address` (HOST:PORT) completed the TLS handshake and the health
// call got an answer, whatever status it reports; UNAVAILABLE with gRPC's reason otherwise.
// `tls_name` is the name the probe asks for (SNI): one svidd's certificate holds, or every
// probe makes gRPC log "No match found for server name" on the server side.
absl::Status ProbeListener(const std::string& address, const std::string& tls_name,
                           std::chrono::milliseconds timeout);

// The address to dial for `listen` (HOST:PORT as given to --listen) bound to `port`: a
// wildcard host becomes loopback.
std::string ProbeAddress(const std::string& listen, int port);

}  // namespace svidd::server
