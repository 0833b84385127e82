#include "server/expiring_certificates_gauge.h"

#include "svidd/common/status_macros.h"
#include "svidd/ledger/certificate_record.h"

namespace svidd {

CertificateFilter ExpiringWithoutSuccessorFilter(TimePoint now, std::chrono::seconds window) {
  CertificateFilter f;
  f.kind = CertKind::kWorkload;
  f.status = CertStatus::kActive;
  f.not_auth_method = kOperatorAuthMethod;
  f.not_after_after = now;
  f.not_after_before = now + window;
  f.has_successor = false;
  return f;
}

absl::StatusOr<std::optional<int64_t>> ExpiringCertificatesGauge::MaybeUpdate(TimePoint now) {
  if (last_count_.has_value() && now < *last_count_ + interval_ && now >= *last_count_) {
    return std::nullopt;
  }
  SVIDD_ASSIGN_OR_RETURN(int64_t count,
                         ledger_.CountCertificates(ExpiringWithoutSuccessorFilter(now, window_)));
  last_count_ = now;
  metrics_.SetCertificatesExpiringWithoutSuccessor(count);
  return count;
}

}  // namespace svidd
