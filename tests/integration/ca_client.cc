#include "integration/ca_client.h"

#include <thread>

#include "grpc/health/v1/health.grpc.pb.h"

namespace svidd::testing {

std::shared_ptr<grpc::Channel> MakeCaChannel(int port, const std::string& root_pem,
                                             const ClientIdentity* client) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = root_pem;
  if (client != nullptr) {
    ssl.pem_cert_chain = client->cert_chain_pem;
    ssl.pem_private_key = client->key_pem;
  }
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  args.SetInt("grpc.use_local_subchannel_pool", 1);  // a fresh connection per channel
  return grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port), grpc::SslCredentials(ssl),
                                   args);
}

grpc::Status CallCreateCertificate(const std::shared_ptr<grpc::Channel>& channel,
                                   const std::string& csr_pem, int64_t ttl_seconds,
                                   const std::string& token,
                                   istio::v1::auth::IstioCertificateResponse* response) {
  auto stub = istio::v1::auth::IstioCertificateService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  context.AddMetadata("clusterid", "Kubernetes");
  istio::v1::auth::IstioCertificateRequest request;
  request.set_csr(csr_pem);
  request.set_validity_duration(ttl_seconds);
  return stub->CreateCertificate(&context, request, response);
}

bool HealthSaysServing(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  return status.ok() && response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

bool WaitUntilNotServing(const std::shared_ptr<grpc::Channel>& channel,
                         std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (HealthSaysServing(channel)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

}  // namespace svidd::testing
