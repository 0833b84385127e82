// HOST:PORT addresses of svidd as its clients (svidctl, svid-agent) are given them, and the
// TLS name they check in svidd's certificate by default.
#pragma once

#include <string>

namespace svidd {

// The host part of "HOST:PORT" or "[IPv6]:PORT" (brackets removed).
std::string HostOfAddress(const std::string& address);

// The name svidd's serving certificate must carry when the user names none: the host dialled,
// or for an IP address (which svidd's certificate never names) svidd's default
// --server-name, "localhost".
std::string DefaultTlsServerName(const std::string& address);

}  // namespace svidd
