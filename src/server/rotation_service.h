// svidd.v1.RotationService on gRPC's callback API: each Rotate call becomes a
// RotationSession registered with the hub.
#pragma once

#include "server/rotation_hub.h"
#include "server/rotation_session.h"
#include "svidd/v1/rotation.grpc.pb.h"

namespace svidd::server {

class RotationService final : public svidd::v1::RotationService::CallbackService {
 public:
  explicit RotationService(RotationHub& hub) : hub_(hub) {}

  grpc::ServerBidiReactor<svidd::v1::RotateRequest, svidd::v1::RotateResponse>* Rotate(
      grpc::CallbackServerContext* context) override {
    return RotationSession::Open(context, hub_);
  }

 private:
  RotationHub& hub_;
};

}  // namespace svidd::server
