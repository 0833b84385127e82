// Enum and time mappings shared by the admin_proto_*.cc files. Private to src/server/.
#pragma once

#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "svidd/api/admin_proto.h"

namespace svidd::api::admin_proto {

pb::CertificateKind KindToProto(ledger::CertKind kind);
// UNSPECIFIED → nullopt.
absl::StatusOr<std::optional<ledger::CertKind>> KindFromProto(pb::CertificateKind kind);
pb::CertificateStatus StatusToProto(ledger::CertStatus status);
absl::StatusOr<std::optional<ledger::CertStatus>> StatusFromProto(pb::CertificateStatus status);

// Required enums: a record always has a kind and a status.
template <typename T>
absl::StatusOr<T> Required(absl::StatusOr<std::optional<T>> value, const char* what) {
  if (!value.ok()) return value.status();
  if (!value->has_value()) return absl::InvalidArgumentError(absl::StrCat("no ", what));
  return **value;
}

// An optional time field.
std::optional<TimePoint> TimeOf(bool has, int64_t seconds);

}  // namespace svidd::api::admin_proto
