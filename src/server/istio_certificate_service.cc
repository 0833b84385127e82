#include "server/istio_certificate_service.h"

#include <grpc/grpc_security_constants.h>

#include "server/grpc_status.h"

namespace svidd {

CallCredentials CredentialsFromContext(const grpc::CallbackServerContext& context) {
  CallCredentials credentials;
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find("authorization"); it != metadata.end()) {
    credentials.authorization = std::string(it->second.data(), it->second.size());
  }
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth != nullptr) {
    auto chain = auth->FindPropertyValues(GRPC_X509_PEM_CERT_CHAIN_PROPERTY_NAME);
    if (chain.empty()) chain = auth->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME);
    for (const auto& pem : chain) credentials.peer_cert_chain_pem.append(pem.data(), pem.size());
  }
  return credentials;
}

grpc::ServerUnaryReactor* IstioCertificateService::CreateCertificate(
    grpc::CallbackServerContext* context, const istio::v1::auth::IstioCertificateRequest* request,
    istio::v1::auth::IstioCertificateResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  IssuanceRequest issuance;
  issuance.csr_pem = request->csr();
  issuance.requested_ttl = std::chrono::seconds(request->validity_duration());
  issuance.credentials = CredentialsFromContext(*context);

  auto finish = [reactor, response](absl::StatusOr<IssuedChain> result) {
    if (!result.ok()) return reactor->Finish(ToGrpcStatus(result.status()));
    for (std::string& pem : result->cert_chain) response->add_cert_chain(std::move(pem));
    reactor->Finish(grpc::Status::OK);
  };
  bool posted = signers_.Post([this, issuance = std::move(issuance), finish]() mutable {
    pipeline_.Issue(std::move(issuance), std::move(finish));
  });
  if (!posted) reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "svidd is shutting down"));
  return reactor;
}

}  // namespace svidd
