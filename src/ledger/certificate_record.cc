#include "svidd/ledger/certificate_record.h"

namespace svidd::ledger {

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

std::optional<CertStatus> ParseCertStatus(std::string_view name) {
  for (CertStatus s : {CertStatus::kActive, CertStatus::kRevoked}) {
    if (name == CertStatusName(s)) return s;
  }
  return std::nullopt;
}

std::optional<CertKind> ParseCertKind(std::string_view name) {
  for (CertKind k : {CertKind::kWorkload, CertKind::kServer, CertKind::kIntermediate}) {
    if (name == CertKindName(k)) return k;
  }
  return std::nullopt;
}

}  // namespace svidd::ledger
