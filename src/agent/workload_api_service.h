// The SpiffeWorkloadAPI gRPC service behind WorkloadApiServer: checks the security header
// and opens a StateStream per call. JWT methods keep the generated UNIMPLEMENTED answers.
#pragma once

#include <optional>

#include "agent/stream_registry.h"
#include "spiffe/workload/workload.grpc.pb.h"
#include "svidd/agent/svid_store.h"

namespace svidd::agent_internal {

// The X509SVIDResponse for `state`: nullopt until both an SVID and a bundle exist.
std::optional<X509SVIDResponse> RenderSvidResponse(const AgentState& state);
// The X509BundlesResponse for `state`: nullopt until a bundle exists.
std::optional<X509BundlesResponse> RenderBundlesResponse(const AgentState& state);

class WorkloadApiService final : public SpiffeWorkloadAPI::CallbackService {
 public:
  explicit WorkloadApiService(SvidStore& store) : store_(store) {}

  grpc::ServerWriteReactor<X509SVIDResponse>* FetchX509SVID(
      grpc::CallbackServerContext* context, const X509SVIDRequest* request) override;
  grpc::ServerWriteReactor<X509BundlesResponse>* FetchX509Bundles(
      grpc::CallbackServerContext* context, const X509BundlesRequest* request) override;

  // Ends every open stream with OK; streams opened later end at once.
  void CloseStreams() { registry_.CloseAll(); }

 private:
  SvidStore& store_;
  StreamRegistry registry_;
};

}  // namespace svidd::agent_internal
