// A test client of svidd.v1.RotationService: a real bidi stream over TLS, read and written
// synchronously, every read bounded by the call's deadline.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <optional>
#include <string>

#include "svidd/v1/rotation.grpc.pb.h"

namespace svidd::testing {

class RotationTestClient {
 public:
  // Opens the stream; `token` (may be "") goes in `authorization: Bearer`.
  RotationTestClient(const std::shared_ptr<grpc::Channel>& channel, const std::string& token,
                     std::chrono::seconds deadline = std::chrono::seconds(30));
  ~RotationTestClient();

  // The next message, or nullopt when the stream ended (then Finish() says why).
  std::optional<svidd::v1::RotateResponse> Next();
  // Skips bundles until a message of another kind arrives.
  std::optional<svidd::v1::RotateResponse> NextNonBundle();
  bool SendCsr(const std::string& csr_pem, uint64_t renewal_id, int64_t validity_seconds = 0);
  grpc::Status Finish();
  void Cancel() { context_.TryCancel(); }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<svidd::v1::RotationService::Stub> stub_;
  std::unique_ptr<grpc::ClientReaderWriter<svidd::v1::RotateRequest, svidd::v1::RotateResponse>>
      stream_;
  bool finished_ = false;
};

}  // namespace svidd::testing
