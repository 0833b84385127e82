// The SpiffeWorkloadAPI gRPC service behind WorkloadApiServer: attests the caller (uid/gid
// allow-list, peer_attestation.h), checks the security header and opens a StateStream per
// call. JWT methods keep the generated UNIMPLEMENTED answers.
#pragma once

#include <optional>

#include "agent/stream_registry.h"
#include "spiffe/workload/workload.grpc.pb.h"
#include "svidd/agent/svid_store.h"
#include "svidd/agent/workload_api_server.h"

namespace svidd::agent::internal {

// The X509SVIDResponse for `state`: nullopt until both an SVID and a bundle exist.
std::optional<X509SVIDResponse> RenderSvidResponse(const AgentState& state);
// The X509BundlesResponse for `state`: nullopt until a bundle exists.
std::optional<X509BundlesResponse> RenderBundlesResponse(const AgentState& state);

class WorkloadApiService final : public SpiffeWorkloadAPI::CallbackService {
 public:
  WorkloadApiService(SvidStore& store, WorkloadApiAccess access)
      : store_(store), access_(std::move(access)) {}

  grpc::ServerWriteReactor<X509SVIDResponse>* FetchX509SVID(
      grpc::CallbackServerContext* context, const X509SVIDRequest* request) override;
  grpc::ServerWriteReactor<X509BundlesResponse>* FetchX509Bundles(
      grpc::CallbackServerContext* context, const X509BundlesRequest* request) override;

  // Ends every open stream with OK; streams opened later end at once.
  void CloseStreams() { registry_.CloseAll(); }

 private:
  // OK, or the status to refuse the call with (logged here).
  grpc::Status Admit(const grpc::CallbackServerContext& context, const char* method) const;

  SvidStore& store_;
  const WorkloadApiAccess access_;
  StreamRegistry registry_;
};

}  // namespace svidd::agent::internal
