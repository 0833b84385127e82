#include "server/admin_ca_status.h"

#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/operator/ca_snapshot.h"
#include "svidd/api/admin_proto.h"

namespace svidd {

absl::StatusOr<svidd::v1::CaStatus> CaStatusToProto(const CaStatus& status) {
  svidd::v1::CaStatus out;
  out.set_mode(CaModeName(status.mode));
  out.set_root_phase(RootPhaseName(status.root_phase));
  SVIDD_ASSIGN_OR_RETURN(CaSnapshot active, CaSnapshotFromAuthority(*status.active));
  for (const CaCertificateInfo& cert : active.certificates) {
    if (cert.role == CaRole::kSigner) *out.mutable_active() = CaToProto(cert);
    if (cert.role == CaRole::kRoot) *out.add_roots() = CaToProto(cert);
  }
  if (status.next != nullptr) {
    SVIDD_ASSIGN_OR_RETURN(CaSnapshot next, CaSnapshotFromAuthority(*status.next));
    *out.mutable_next() = CaToProto(next.certificates.front());
  }
  if (status.next_prepare_at) out.set_next_prepare_at(ToUnixSeconds(*status.next_prepare_at));
  if (status.next_activate_at) out.set_next_activate_at(ToUnixSeconds(*status.next_activate_at));
  return out;
}

}  // namespace svidd
