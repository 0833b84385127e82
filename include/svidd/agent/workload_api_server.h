// The SPIFFE Workload API (X.509 profile) on a unix socket, served from the agent's store:
// FetchX509SVID and FetchX509Bundles stream the full current state at once and again on
// every change; the JWT methods answer UNIMPLEMENTED. Every call must carry the metadata
// `workload.spiffe.io: true` (a guard against browsers and SSRF, per the standard), else
// INVALID_ARGUMENT. FetchX509SVID sends nothing until the first SVID exists.
//
// Security model: whoever is served gets the SVID and its private key, so every call is
// attested: the kernel says which uid/gid the connecting process runs as (SO_PEERCRED, read
// from the connection itself on every call) and only an allowed uid or gid is served; any
// other caller gets PERMISSION_DENIED and the refusal is logged. By default the socket is
// 0600 in a 0700 directory and only the agent's own uid is allowed. The pod case (a shared
// emptyDir, the workload running as another user) takes an explicit wider mode plus an
// allow-list naming that user or group.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/agent/svid_store.h"

namespace grpc {
class Server;
}

namespace svidd::agent {

namespace internal {
class WorkloadApiService;
}

// Who may connect and be served.
struct WorkloadApiAccess {
  unsigned socket_mode = 0600;
  // Callers whose uid, or whose primary gid, is listed are served. Both empty: the agent's
  // own effective uid only.
  std::vector<uid_t> uids;
  std::vector<gid_t> gids;
};

class WorkloadApiServer {
 public:
  // Serving when it returns. A stale socket file at `socket` is replaced; any other file
  // there is refused (FAILED_PRECONDITION). A missing directory is created 0700 (0711 when
  // the mode lets others connect). The store must outlive the server.
  static absl::StatusOr<std::unique_ptr<WorkloadApiServer>> Start(
      const std::filesystem::path& socket, WorkloadApiAccess access, SvidStore& store);
  ~WorkloadApiServer();  // Shutdown()

  // Ends every stream with OK, stops the server and removes the socket. Idempotent.
  void Shutdown();

  const std::filesystem::path& socket() const { return socket_; }

 private:
  WorkloadApiServer() = default;
  // Accepts connections itself, so each one reaches gRPC as "fd:<n>" and its peer can be
  // attested; stops when `stopping_` is set.
  void AcceptLoop();

  std::filesystem::path socket_;
  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::unique_ptr<internal::WorkloadApiService> service_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace svidd::agent
