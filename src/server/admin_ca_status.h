// The CA manager's status on the admin API's wire (svidd.v1.CaStatus).
#pragma once

#include "absl/status/statusor.h"
#include "ca/ca_manager.h"
#include "svidd/v1/admin.pb.h"

namespace svidd {

absl::StatusOr<svidd::v1::CaStatus> CaStatusToProto(const CaStatus& status);

}  // namespace svidd
