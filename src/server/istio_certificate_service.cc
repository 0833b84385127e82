#include "server/istio_certificate_service.h"

#include <grpc/grpc_security_constants.h>

#include "svidd/api/grpc_status.h"
#include "svidd/pki/csr_validator.h"

namespace svidd::server {

auth::CallCredentials CredentialsFromContext(const grpc::CallbackServerContext& context) {
  auth::CallCredentials credentials;
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find("authorization"); it != metadata.end()) {
    credentials.authorization = std::string(it->second.data(), it->second.size());
  }
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth != nullptr) {
    // The leaf is x509_pem_cert. The chain property is what the peer sent besides it; on
    // the server side OpenSSL leaves the leaf out of it, but skip it if a version adds it.
    auto leaf = auth->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME);
    if (leaf.empty()) return credentials;
    std::string_view leaf_pem(leaf.front().data(), leaf.front().size());
    credentials.peer_cert_chain_pem.assign(leaf_pem);
    for (const auto& pem : auth->FindPropertyValues(GRPC_X509_PEM_CERT_CHAIN_PROPERTY_NAME)) {
      std::string_view extra(pem.data(), pem.size());
      if (extra.find(leaf_pem) != std::string_view::npos) {
        // A chain that includes the leaf: keep what comes after it.
        extra.remove_prefix(extra.find(leaf_pem) + leaf_pem.size());
      }
      credentials.peer_cert_chain_pem.append(extra);
    }
  }
  return credentials;
}

std::string ClaimedIdentity(const std::string& csr_pem, size_t max_csr_bytes) {
  auto csr = ValidateCsr(csr_pem, pki::CsrLimits{max_csr_bytes});
  return csr.ok() ? csr->requested_id.str() : std::string();
}

grpc::ServerUnaryReactor* IstioCertificateService::CreateCertificate(
    grpc::CallbackServerContext* context, const istio::v1::auth::IstioCertificateRequest* request,
    istio::v1::auth::IstioCertificateResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  issuance::IssuanceRequest issuance;
  issuance.csr_pem = request->csr();
  issuance.requested_ttl = std::chrono::seconds(request->validity_duration());
  issuance.credentials = CredentialsFromContext(*context);
  if (request->has_metadata()) {
    const auto& fields = request->metadata().fields();
    if (auto it = fields.find("ImpersonatedIdentity"); it != fields.end()) {
      issuance.impersonated_identity =
          it->second.has_string_value() ? it->second.string_value() : "(not a string)";
    }
  }

  auto finish = [this, reactor, response, peer = context->peer(),
                 csr = request->csr()](absl::StatusOr<issuance::IssuedChain> result) {
    metrics_.RecordIstioCsr(result.status());
    if (!result.ok()) {
      refusals_.Count(result.status());
      audit_.Refused("istio", peer, result.status(),
                     [&] { return ClaimedIdentity(csr, max_csr_bytes_); });
      return reactor->Finish(api::ToGrpcStatus(result.status()));
    }
    audit_.Issued("istio", peer, result->spiffe_id, result->serial_hex);
    for (std::string& pem : result->cert_chain) response->add_cert_chain(std::move(pem));
    reactor->Finish(grpc::Status::OK);
  };
  absl::Status queued = signers_.Submit([this, issuance = std::move(issuance), finish]() mutable {
    pipeline_.Issue(std::move(issuance), std::move(finish));
  });
  if (!queued.ok()) finish(queued);  // the queue is full or svidd is stopping
  return reactor;
}

}  // namespace svidd::server
