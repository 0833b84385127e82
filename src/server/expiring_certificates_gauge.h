// svidd_certificates_expiring_without_successor: how many workload certificates are about to
// expire with nothing to replace them, i.e. whose renewal is overdue. Counted by one ledger
// query (CertificateFilter::has_successor), at most once per interval of the injected clock,
// from the maintenance loop.
#pragma once

#include <chrono>
#include <optional>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/ledger/certificate_filter.h"
#include "svidd/ledger/ledger.h"
#include "svidd/metrics/server_metrics.h"

namespace svidd {

// The certificates the gauge counts at `now`: active workload certificates, not an operator's
// (svidctl certificates are renewed by hand), with now < NotAfter < now + window, that no
// later certificate of the same SPIFFE ID follows and no renewal names as superseded.
CertificateFilter ExpiringWithoutSuccessorFilter(TimePoint now, std::chrono::seconds window);

class ExpiringCertificatesGauge {
 public:
  ExpiringCertificatesGauge(const Ledger& ledger, ServerMetrics& metrics,
                            std::chrono::seconds window, std::chrono::seconds interval)
      : ledger_(ledger), metrics_(metrics), window_(window), interval_(interval) {}

  // Counts and sets the gauge if `interval` has passed since the last count (or none was made);
  // the count, or nullopt when it was not due. A failed query keeps the last value.
  absl::StatusOr<std::optional<int64_t>> MaybeUpdate(TimePoint now);

 private:
  const Ledger& ledger_;
  ServerMetrics& metrics_;
  const std::chrono::seconds window_;
  const std::chrono::seconds interval_;
  std::optional<TimePoint> last_count_;  // only the maintenance pass (one at a time) uses it
};

}  // namespace svidd
