#include "svidd/ledger/certificate_filter.h"

namespace svidd::ledger {

const char* CertificateSortFieldName(CertificateSortField field) {
  switch (field) {
    case CertificateSortField::kIssuedAt:
      return "issued_at";
    case CertificateSortField::kNotAfter:
      return "not_after";
    case CertificateSortField::kSpiffeId:
      return "spiffe_id";
  }
  return "unknown";
}

std::optional<CertificateSortField> ParseCertificateSortField(std::string_view name) {
  for (CertificateSortField f : {CertificateSortField::kIssuedAt, CertificateSortField::kNotAfter,
                                 CertificateSortField::kSpiffeId}) {
    if (name == CertificateSortFieldName(f)) return f;
  }
  return std::nullopt;
}

CertificateFilter OverdueRenewalFilter(TimePoint now, double fraction) {
  CertificateFilter f;
  f.kind = CertKind::kWorkload;
  f.status = CertStatus::kActive;
  f.not_auth_method = kOperatorAuthMethod;
  f.life_left_below = LifeLeftBelow{now, fraction};
  f.has_successor = false;
  return f;
}

}  // namespace svidd::ledger
