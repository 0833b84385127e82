// The SPIFFE Workload API (X.509 profile) on a unix socket, served from the agent's store:
// FetchX509SVID and FetchX509Bundles stream the full current state at once and again on
// every change; the JWT methods answer UNIMPLEMENTED. Every call must carry the metadata
// `workload.spiffe.io: true` (a guard against browsers and SSRF, per the standard), else
// INVALID_ARGUMENT. FetchX509SVID sends nothing until the first SVID exists.
//
// Security model: there is no workload attestation. Whoever can connect to the socket gets
// the SVID and its private key, so the socket is exactly as sensitive as key.pem. Its file
// mode (default 0666, so a workload running as another user in the same pod can connect)
// and, above all, the directory it is placed in (an emptyDir shared only with the workload)
// decide who that is; use 0600 / 0660 when the workload runs as the agent's user / group.
// The socket is created with a restrictive umask and only then opened up to `mode`.
#pragma once

#include <filesystem>
#include <memory>

#include "absl/status/statusor.h"
#include "svidd/agent/svid_store.h"

namespace grpc {
class Server;
}

namespace svidd {

namespace agent_internal {
class WorkloadApiService;
}

class WorkloadApiServer {
 public:
  // Serving when it returns. A stale socket file at `socket` is replaced; any other file
  // there is refused (FAILED_PRECONDITION). The store must outlive the server.
  static absl::StatusOr<std::unique_ptr<WorkloadApiServer>> Start(
      const std::filesystem::path& socket, unsigned mode, SvidStore& store);
  ~WorkloadApiServer();  // Shutdown()

  // Ends every stream with OK, stops the server and removes the socket. Idempotent.
  void Shutdown();

  const std::filesystem::path& socket() const { return socket_; }

 private:
  WorkloadApiServer() = default;
  std::filesystem::path socket_;
  std::unique_ptr<agent_internal::WorkloadApiService> service_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace svidd
