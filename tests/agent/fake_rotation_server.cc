#include "agent/fake_rotation_server.h"

#include <gtest/gtest.h>

#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/pki/csr_validator.h"

namespace svidd::testing {

void FakeRotationServer::Start() {
  grpc::SslServerCredentialsOptions ssl(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_BUT_DONT_VERIFY);
  ssl.pem_key_cert_pairs.push_back({pki_.server_key_pem(), pki_.server_chain_pem()});
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(port_), grpc::SslServerCredentials(ssl),
                           &port_);
  builder.RegisterService(this);
  server_ = builder.BuildAndStart();
  ASSERT_NE(server_, nullptr);
  ASSERT_NE(port_, 0);
}

void FakeRotationServer::Stop() {
  if (server_ == nullptr) return;
  server_->Shutdown(std::chrono::system_clock::now());  // cancels the open streams
  server_->Wait();
  server_.reset();
}

void FakeRotationServer::set_behaviour(FakeRotationBehaviour behaviour) {
  std::lock_guard<std::mutex> lock(mu_);
  behaviour_ = behaviour;
}

std::vector<StreamOpen> FakeRotationServer::opens() const {
  std::lock_guard<std::mutex> lock(mu_);
  return opens_;
}

bool FakeRotationServer::WaitForOpens(size_t n, std::chrono::seconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return opens_.size() >= n; });
}

StreamOpen FakeRotationServer::Identify(const grpc::ServerContext& context) const {
  StreamOpen open;
  open.at = std::chrono::steady_clock::now();
  auto auth = context.client_metadata().find("authorization");
  if (auth != context.client_metadata().end()) {
    std::string value(auth->second.data(), auth->second.size());
    if (value.rfind("Bearer ", 0) == 0) open.token = value.substr(7);
  }
  for (const auto& pem : context.auth_context()->FindPropertyValues("x509_pem_cert")) {
    auto cert = crypto::ParseCertificatePem(std::string(pem.data(), pem.size()));
    if (cert.ok()) open.client_serial = crypto::SerialHex(cert->get());
  }
  return open;
}

v1::RotateResponse FakeRotationServer::Issue(const v1::CertificateSigningRequest& csr) const {
  v1::RotateResponse message;
  absl::StatusOr<pki::ValidatedCsr> validated = pki::ValidateCsr(csr.csr());
  if (!validated.ok()) {
    message.mutable_refused()->set_code(grpc::StatusCode::INVALID_ARGUMENT);
    return message;
  }
  std::chrono::seconds ttl;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ttl = behaviour_.ttl;
  }
  const std::string chain = pki_.IssueChainPem(
      validated->requested_id.str(), SystemClock::Instance().Now(), ttl, validated->public_key);
  std::vector<crypto::X509Ptr> certs = crypto::ParseCertificatesPem(chain).value();
  for (const crypto::X509Ptr& cert : certs) {
    message.mutable_issued()->add_cert_chain(crypto::CertificateToPem(cert.get()).value());
  }
  message.mutable_issued()->add_cert_chain(pki_.roots_pem());
  message.mutable_issued()->set_renewal_id(csr.renewal_id());
  return message;
}

grpc::Status FakeRotationServer::Rotate(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::RotateResponse, v1::RotateRequest>* stream) {
  StreamOpen open = Identify(*context);
  FakeRotationBehaviour behaviour;
  {
    std::lock_guard<std::mutex> lock(mu_);
    opens_.push_back(open);
    behaviour = behaviour_;
  }
  cv_.notify_all();
  if (!open.client_serial.empty() && behaviour.refuse_certificates) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "certificate refused");
  }
  v1::RotateResponse bundle;
  bundle.mutable_bundle()->set_trust_domain("cluster.local");
  bundle.mutable_bundle()->set_sequence(1);
  bundle.mutable_bundle()->set_root_certs_pem(pki_.roots_pem());
  stream->Write(bundle);
  v1::RotateResponse renewal;
  renewal.mutable_renewal_requested()->set_renewal_id(1);
  renewal.mutable_renewal_requested()->set_reason(v1::RenewalRequested::INITIAL);
  stream->Write(renewal);
  v1::RotateRequest request;
  while (stream->Read(&request)) {
    stream->Write(Issue(request.csr()));
    if (behaviour.end_after_issue) return grpc::Status::OK;
  }
  return grpc::Status::OK;
}

}  // namespace svidd::testing
