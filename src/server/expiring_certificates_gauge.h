// svidd_certificates_expiring_without_successor: how many workload certificates are about to
// expire with nothing to replace them, i.e. whose renewal is overdue: OverdueRenewalFilter
// (certificate_filter.h), the rule svidctl audit applies too. Counted by one ledger query, at
// most once per interval of the injected clock, from the maintenance loop.
#pragma once

#include <chrono>
#include <optional>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/ledger/certificate_filter.h"
#include "svidd/ledger/ledger.h"
#include "svidd/metrics/server_metrics.h"

namespace svidd::server {

class ExpiringCertificatesGauge {
 public:
  ExpiringCertificatesGauge(const ledger::Ledger& ledger, metrics::ServerMetrics& metrics,
                            double overdue_fraction, std::chrono::seconds interval)
      : ledger_(ledger),
        metrics_(metrics),
        overdue_fraction_(overdue_fraction),
        interval_(interval) {}

  // Counts and sets the gauge if `interval` has passed since the last count (or none was made);
  // the count, or nullopt when it was not due. A failed query keeps the last value.
  absl::StatusOr<std::optional<int64_t>> MaybeUpdate(TimePoint now);

 private:
  const ledger::Ledger& ledger_;
  metrics::ServerMetrics& metrics_;
  const double overdue_fraction_;  // of a certificate's life (ServerOptions)
  const std::chrono::seconds interval_;
  std::optional<TimePoint> last_count_;  // only the maintenance pass (one at a time) uses it
};

}  // namespace svidd::server
