#include "svidd/operator/fleet_stats.h"

#include <algorithm>
#include <map>

#include "svidd/common/status_macros.h"

namespace svidd::ops {
namespace {

// The ledger keeps whole seconds: "up to now" includes the current second.
absl::StatusOr<StatsWindow> Window(const ledger::Ledger& ledger, std::chrono::seconds window,
                                   TimePoint now) {
  const TimePoint end = now + std::chrono::seconds(1);
  StatsWindow w;
  w.window = window;
  ledger::CertificateFilter issued;
  issued.issued_since = now - window;
  issued.issued_until = end;
  SVIDD_ASSIGN_OR_RETURN(w.issued, ledger.CountCertificates(issued));
  issued.renewal = true;
  SVIDD_ASSIGN_OR_RETURN(w.renewals, ledger.CountCertificates(issued));
  ledger::CertificateFilter revoked;
  revoked.revoked_since = now - window;
  revoked.revoked_until = end;
  SVIDD_ASSIGN_OR_RETURN(w.revoked, ledger.CountCertificates(revoked));
  return w;
}

// Sums the hourly counts into each window: an hour belongs to a window when it starts at or
// after the hour holding now - window, and not after now.
void AddRefusals(const std::vector<ledger::RefusalCount>& counts, TimePoint now,
                 FleetStats& stats) {
  std::map<std::string, std::vector<int64_t>> by_reason;
  for (const ledger::RefusalCount& c : counts) {
    if (c.hour > now) continue;
    std::vector<int64_t>& row = by_reason[c.reason];
    row.resize(stats.windows.size(), 0);
    for (size_t i = 0; i < stats.windows.size(); ++i) {
      if (c.hour < ledger::RefusalHour(now - stats.windows[i].window)) continue;
      row[i] += c.count;
      stats.windows[i].refused += c.count;
    }
  }
  for (auto& [reason, row] : by_reason) {
    if (std::any_of(row.begin(), row.end(), [](int64_t n) { return n > 0; })) {
      stats.refusals.push_back(RefusalReasonStats{reason, std::move(row)});
    }
  }
}

}  // namespace

absl::StatusOr<FleetStats> CollectStats(const ledger::Ledger& ledger, const CaSnapshot& ca,
                                        TimePoint now, const StatsOptions& options) {
  FleetStats stats;
  stats.generated_at = now;
  ledger::CertificateFilter valid;
  valid.status = ledger::CertStatus::kActive;
  valid.not_before_until = now;
  valid.not_after_after = now;
  SVIDD_ASSIGN_OR_RETURN(stats.valid_certificates, ledger.CountCertificates(valid));
  SVIDD_ASSIGN_OR_RETURN(stats.valid_by_kind,
                         ledger.CountCertificatesBy(ledger::CertificateGroup::kKind, valid));
  std::chrono::seconds longest{0};
  for (std::chrono::seconds window : options.windows) {
    SVIDD_ASSIGN_OR_RETURN(StatsWindow w, Window(ledger, window, now));
    stats.windows.push_back(w);
    longest = std::max(longest, window);
  }
  SVIDD_ASSIGN_OR_RETURN(std::vector<ledger::RefusalCount> refusals,
                         ledger.ListRefusalCounts(now - longest));
  AddRefusals(refusals, now, stats);
  stats.ca = ca.certificates;
  return stats;
}

}  // namespace svidd::ops
