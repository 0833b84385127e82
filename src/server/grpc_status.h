// The one place internal statuses become gRPC statuses.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace svidd {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace svidd
