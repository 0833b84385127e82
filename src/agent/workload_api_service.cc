#include "agent/workload_api_service.h"

#include "agent/peer_attestation.h"
#include "agent/state_stream.h"
#include "spdlog/spdlog.h"

namespace svidd::agent::internal {
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

grpc::Status WorkloadApiService::Admit(const grpc::CallbackServerContext& context,
                                       const char* method) const {
  absl::StatusOr<PeerCredentials> peer = PeerCredentialsOf(context.peer());
  absl::Status allowed = peer.ok() ? CheckWorkloadAllowed(*peer, access_) : peer.status();
  if (!allowed.ok()) {
    spdlog::warn("Workload API {}: refused: {}", method, std::string(allowed.message()));
    const auto code = absl::IsPermissionDenied(allowed) ? grpc::StatusCode::PERMISSION_DENIED
                                                        : grpc::StatusCode::UNAVAILABLE;
    return grpc::Status(code, std::string(allowed.message()));
  }
  if (!HasSecurityHeader(context)) return MissingHeader();
  return grpc::Status::OK;
}

grpc::ServerWriteReactor<X509SVIDResponse>* WorkloadApiService::FetchX509SVID(
    grpc::CallbackServerContext* context, const X509SVIDRequest*) {
  if (grpc::Status admitted = Admit(*context, "FetchX509SVID"); !admitted.ok()) {
    return new RefusedStream<X509SVIDResponse>(std::move(admitted));
  }
  return StateStream<X509SVIDResponse>::Open(store_, registry_, RenderSvidResponse);
}

grpc::ServerWriteReactor<X509BundlesResponse>* WorkloadApiService::FetchX509Bundles(
    grpc::CallbackServerContext* context, const X509BundlesRequest*) {
  if (grpc::Status admitted = Admit(*context, "FetchX509Bundles"); !admitted.ok()) {
    return new RefusedStream<X509BundlesResponse>(std::move(admitted));
  }
  return StateStream<X509BundlesResponse>::Open(store_, registry_, RenderBundlesResponse);
}

}  // namespace svidd::agent::internal
