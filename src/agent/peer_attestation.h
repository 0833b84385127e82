// Who is on the other end of a Workload API connection, from the kernel (SO_PEERCRED), and
// whether the operator's allow-list (--workload-uid / --workload-gid, SPIRE's unix:uid and
// unix:gid selectors) lets that process have the SVID and its private key.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "svidd/agent/workload_api_server.h"

namespace svidd::agent::internal {

struct PeerCredentials {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

// The credentials of the connection a call arrived on. `peer` is the call's peer string,
// "fd:<n>" for connections WorkloadApiServer accepted itself; anything else, or a descriptor
// that is not a unix socket, is UNAVAILABLE (never treated as allowed).
absl::StatusOr<PeerCredentials> PeerCredentialsOf(std::string_view peer);

// OK if the process is allowed; PERMISSION_DENIED naming its uid and gid otherwise.
absl::Status CheckWorkloadAllowed(const PeerCredentials& peer, const WorkloadApiAccess& access);

}  // namespace svidd::agent::internal
