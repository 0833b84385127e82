#include "agent/peer_attestation.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace svidd::agent::internal {

absl::StatusOr<PeerCredentials> PeerCredentialsOf(std::string_view peer) {
  constexpr std::string_view kFdPrefix = "fd:";
  int fd = -1;
  if (!peer.starts_with(kFdPrefix) ||
      std::from_chars(peer.data() + kFdPrefix.size(), peer.data() + peer.size(), fd).ec !=
          std::errc() ||
      fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot attest the caller: unexpected peer \"", std::string(peer), "\""));
  }
  struct ucred cred {};
  socklen_t length = sizeof(cred);
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &length) != 0 || length != sizeof(cred)) {
    return absl::UnavailableError(
        absl::StrCat("cannot attest the caller: SO_PEERCRED: ", std::strerror(errno)));
  }
  return PeerCredentials{cred.pid, cred.uid, cred.gid};
}

absl::Status CheckWorkloadAllowed(const PeerCredentials& peer, const WorkloadApiAccess& access) {
  const bool uid_allowed =
      std::find(access.uids.begin(), access.uids.end(), peer.uid) != access.uids.end();
  const bool gid_allowed =
      std::find(access.gids.begin(), access.gids.end(), peer.gid) != access.gids.end();
  if (uid_allowed || gid_allowed) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "process ", peer.pid, " (uid ", peer.uid, ", gid ", peer.gid,
      ") is not allowed to fetch SVIDs from this agent (see --workload-uid / --workload-gid)"));
}

}  // namespace svidd::agent::internal
