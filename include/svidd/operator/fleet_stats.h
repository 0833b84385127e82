// `svidctl stats`: how much svidd issues, renews, revokes and refuses over recent windows,
// how many certificates are valid now, and how long the CA has left. A pure function of the
// ledger, the CA and `now`.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/ledger/ledger.h"
#include "svidd/operator/ca_snapshot.h"

namespace svidd::ops {

struct StatsWindow {
  std::chrono::seconds window{0};
  int64_t issued = 0;    // issued_at in [now - window, now]
  int64_t renewals = 0;  // of those, renewals (CertificateFilter::renewal)
  int64_t revoked = 0;   // revoked_at in [now - window, now]
  // Refusals in the whole hours from the one holding now - window up to now.
  int64_t refused = 0;
};

struct RefusalReasonStats {
  std::string reason;           // e.g. "unauthenticated/expired-token"
  std::vector<int64_t> counts;  // one per window, in FleetStats::windows order
};

struct FleetStats {
  TimePoint generated_at;
  int64_t valid_certificates = 0;                 // active and within their validity at `now`
  std::vector<ledger::GroupCount> valid_by_kind;  // "workload", "server", ...
  std::vector<StatsWindow> windows;
  std::vector<RefusalReasonStats> refusals;  // by reason
  std::vector<CaCertificateInfo> ca;         // signer, intermediates, roots
};

struct StatsOptions {
  std::vector<std::chrono::seconds> windows = {std::chrono::hours(1), std::chrono::hours(24)};
};

absl::StatusOr<FleetStats> CollectStats(const ledger::Ledger& ledger, const CaSnapshot& ca,
                                        TimePoint now, const StatsOptions& options = {});

}  // namespace svidd::ops
