// Counts refused requests by a stable reason label ("unauthenticated/expired-token",
// "invalid-argument/csr", ...) in memory and flushes the counts to the ledger's per-hour
// table, so `svidctl stats` shows the same refusals whether it asks the server or reads the
// ledger file, and in svidd_requests_refused_total{reason}. The issuing services call Count()
// with the status they answered.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "svidd/common/clock.h"
#include "svidd/common/mutex.h"
#include "svidd/ledger/ledger.h"
#include "svidd/metrics/server_metrics.h"

namespace svidd::metrics {

// "<grpc code, lower-case, dashed>/<category>": the code the caller saw and what kind of
// refusal it was, e.g. "unauthenticated/revoked-certificate", "unavailable/ca-not-ready".
// The category is the Refusal the status carries (svidd/common/refusal.h), fixed where the
// refusal was made; a status without one gets "other". Never includes anything the caller
// sent.
std::string RefusalReason(const absl::Status& status);

class RefusalCounter {
 public:
  // `ledger`, `clock` and `metrics` must outlive the counter.
  RefusalCounter(ledger::Ledger& ledger, const Clock& clock, ServerMetrics& metrics)
      : ledger_(ledger), clock_(clock), metrics_(metrics) {}
  ~RefusalCounter() = default;
  RefusalCounter(const RefusalCounter&) = delete;
  RefusalCounter& operator=(const RefusalCounter&) = delete;

  // Counts `status` if it is a refusal (not OK); cheap, any thread.
  void Count(const absl::Status& status);
  // Adds everything counted so far to the ledger in one transaction. On failure the counts
  // are kept for the next flush, never lost or counted twice.
  absl::Status Flush();
  // Counted but not yet flushed, for tests and health.
  int64_t pending() const;

 private:
  using Key = std::pair<int64_t, std::string>;  // hour (Unix seconds), reason
  ledger::Ledger& ledger_;
  const Clock& clock_;
  ServerMetrics& metrics_;
  Mutex flush_mu_;  // one flush at a time, so a failed batch is put back in order
  mutable Mutex mu_;
  std::map<Key, int64_t> pending_ ABSL_GUARDED_BY(mu_);
};

}  // namespace svidd::metrics
