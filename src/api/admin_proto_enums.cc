#include "api/admin_proto_enums.h"

#include "svidd/common/time_format.h"

namespace svidd::admin_proto {

pb::CertificateKind KindToProto(CertKind kind) {
  switch (kind) {
    case CertKind::kWorkload:
      return pb::CERTIFICATE_KIND_WORKLOAD;
    case CertKind::kServer:
      return pb::CERTIFICATE_KIND_SERVER;
    case CertKind::kIntermediate:
      return pb::CERTIFICATE_KIND_INTERMEDIATE;
  }
  return pb::CERTIFICATE_KIND_UNSPECIFIED;
}

absl::StatusOr<std::optional<CertKind>> KindFromProto(pb::CertificateKind kind) {
  switch (kind) {
    case pb::CERTIFICATE_KIND_UNSPECIFIED:
      return std::optional<CertKind>();
    case pb::CERTIFICATE_KIND_WORKLOAD:
      return CertKind::kWorkload;
    case pb::CERTIFICATE_KIND_SERVER:
      return CertKind::kServer;
    case pb::CERTIFICATE_KIND_INTERMEDIATE:
      return CertKind::kIntermediate;
    default:
      return absl::InvalidArgumentError(absl::StrCat("unknown certificate kind ", kind));
  }
}

pb::CertificateStatus StatusToProto(CertStatus status) {
  return status == CertStatus::kRevoked ? pb::CERTIFICATE_STATUS_REVOKED
                                        : pb::CERTIFICATE_STATUS_ACTIVE;
}

absl::StatusOr<std::optional<CertStatus>> StatusFromProto(pb::CertificateStatus status) {
  switch (status) {
    case pb::CERTIFICATE_STATUS_UNSPECIFIED:
      return std::optional<CertStatus>();
    case pb::CERTIFICATE_STATUS_ACTIVE:
      return CertStatus::kActive;
    case pb::CERTIFICATE_STATUS_REVOKED:
      return CertStatus::kRevoked;
    default:
      return absl::InvalidArgumentError(absl::StrCat("unknown certificate status ", status));
  }
}

std::optional<TimePoint> TimeOf(bool has, int64_t seconds) {
  if (!has) return std::nullopt;
  return FromUnixSeconds(seconds);
}

}  // namespace svidd::admin_proto
