#include "integration/rotation_client.h"

namespace svidd::testing {

RotationTestClient::RotationTestClient(const std::shared_ptr<grpc::Channel>& channel,
                                       const std::string& token, std::chrono::seconds deadline)
    : stub_(svidd::v1::RotationService::NewStub(channel)) {
  context_.set_deadline(std::chrono::system_clock::now() + deadline);
  if (!token.empty()) context_.AddMetadata("authorization", "Bearer " + token);
  stream_ = stub_->Rotate(&context_);
}

RotationTestClient::~RotationTestClient() {
  if (!finished_) {
    context_.TryCancel();
    stream_->Finish();
  }
}

std::optional<svidd::v1::RotateResponse> RotationTestClient::Next() {
  svidd::v1::RotateResponse message;
  if (!stream_->Read(&message)) return std::nullopt;
  return message;
}

std::optional<svidd::v1::RotateResponse> RotationTestClient::NextNonBundle() {
  for (;;) {
    auto message = Next();
    if (!message.has_value() || !message->has_bundle()) return message;
  }
}

bool RotationTestClient::SendCsr(const std::string& csr_pem, uint64_t renewal_id,
                                 int64_t validity_seconds) {
  svidd::v1::RotateRequest request;
  request.mutable_csr()->set_csr(csr_pem);
  request.mutable_csr()->set_renewal_id(renewal_id);
  request.mutable_csr()->set_validity_seconds(validity_seconds);
  return stream_->Write(request);
}

grpc::Status RotationTestClient::Finish() {
  finished_ = true;
  return stream_->Finish();
}

}  // namespace svidd::testing
