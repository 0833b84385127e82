// The one place internal statuses become gRPC statuses.
#pragma once

#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/status.h"

namespace svidd {

grpc::Status ToGrpcStatus(const absl::Status& status);

// "OK", "INVALID_ARGUMENT", "PERMISSION_DENIED", ...: the code's name as gRPC spells it.
std::string GrpcStatusCodeName(grpc::StatusCode code);

}  // namespace svidd
