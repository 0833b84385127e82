#include "svidd/ledger/certificate_record.h"

namespace svidd {

const char* CertStatusName(CertStatus status) {
  switch (status) {
    case CertStatus::kActive:
      return "active";
    case CertStatus::kRevoked:
      return "revoked";
  }
  return "unknown";
}

const char* CertKindName(CertKind kind) {
  switch (kind) {
    case CertKind::kWorkload:
      return "workload";
    case CertKind::kServer:
      return "server";
    case CertKind::kIntermediate:
      return "intermediate";
  }
  return "unknown";
}

}  // namespace svidd
