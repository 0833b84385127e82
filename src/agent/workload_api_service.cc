#include "agent/workload_api_service.h"

#include "agent/state_stream.h"

namespace svidd::agent_internal {
namespace {

constexpr char kSecurityHeader[] = "workload.spiffe.io";

// A call answered with a status and nothing else.
template <typename Response>
class RefusedStream final : public grpc::ServerWriteReactor<Response> {
 public:
  explicit RefusedStream(grpc::Status status) { this->Finish(std::move(status)); }
  void OnDone() override { delete this; }
};

// The standard's guard against calls from browsers or forged by SSRF: they cannot set it.
bool HasSecurityHeader(const grpc::CallbackServerContext& context) {
  auto [begin, end] = context.client_metadata().equal_range(kSecurityHeader);
  for (auto it = begin; it != end; ++it) {
    if (it->second == "true") return true;
  }
  return false;
}

grpc::Status MissingHeader() {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      "security header missing from request: workload.spiffe.io: true");
}

}  // namespace

std::optional<X509SVIDResponse> RenderSvidResponse(const AgentState& state) {
  if (state.svid == nullptr || state.bundle == nullptr) return std::nullopt;
  X509SVIDResponse response;
  X509SVID* svid = response.add_svids();
  svid->set_spiffe_id(state.svid->id().str());
  svid->set_x509_svid(state.svid->chain_der());
  svid->set_x509_svid_key(state.svid->key_der());
  svid->set_bundle(state.bundle->roots_der());
  for (const std::string& crl : state.bundle->crls()) response.add_crl(crl);
  return response;
}

std::optional<X509BundlesResponse> RenderBundlesResponse(const AgentState& state) {
  if (state.bundle == nullptr) return std::nullopt;
  X509BundlesResponse response;
  for (const std::string& crl : state.bundle->crls()) response.add_crl(crl);
  (*response.mutable_bundles())[state.bundle->trust_domain_id()] = state.bundle->roots_der();
  return response;
}

grpc::ServerWriteReactor<X509SVIDResponse>* WorkloadApiService::FetchX509SVID(
    grpc::CallbackServerContext* context, const X509SVIDRequest*) {
  if (!HasSecurityHeader(*context)) return new RefusedStream<X509SVIDResponse>(MissingHeader());
  return StateStream<X509SVIDResponse>::Open(store_, registry_, RenderSvidResponse);
}

grpc::ServerWriteReactor<X509BundlesResponse>* WorkloadApiService::FetchX509Bundles(
    grpc::CallbackServerContext* context, const X509BundlesRequest*) {
  if (!HasSecurityHeader(*context)) {
    return new RefusedStream<X509BundlesResponse>(MissingHeader());
  }
  return StateStream<X509BundlesResponse>::Open(store_, registry_, RenderBundlesResponse);
}

}  // namespace svidd::agent_internal
