#include "svidd/common/server_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

namespace svidd {

std::string HostOfAddress(const std::string& address) {
  if (!address.empty() && address.front() == '[') {
    const size_t end = address.find(']');
    return end == std::string::npos ? address : address.substr(1, end - 1);
  }
  return address.substr(0, address.rfind(':'));
}

std::string DefaultTlsServerName(const std::string& address) {
  const std::string host = HostOfAddress(address);
  unsigned char buf[sizeof(struct in6_addr)];
  if (inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1) {
    return "localhost";
  }
  return host;
}

}  // namespace svidd
