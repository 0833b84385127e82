#include "server/expiring_certificates_gauge.h"

#include "svidd/common/status_macros.h"

namespace svidd::server {

absl::StatusOr<std::optional<int64_t>> ExpiringCertificatesGauge::MaybeUpdate(TimePoint now) {
  if (last_count_.has_value() && now < *last_count_ + interval_ && now >= *last_count_) {
    return std::nullopt;
  }
  SVIDD_ASSIGN_OR_RETURN(int64_t count, ledger_.CountCertificates(
                                            ledger::OverdueRenewalFilter(now, overdue_fraction_)));
  last_count_ = now;
  metrics_.SetCertificatesExpiringWithoutSuccessor(count);
  return count;
}

}  // namespace svidd::server
