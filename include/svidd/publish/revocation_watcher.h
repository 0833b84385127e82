// Notices revocations, whoever wrote them: the admin API in this process, `svidctl certs
// revoke` in another one, or another replica on the same shared ledger. It follows the
// ledger's event log by sequence number: each poll reads the revocation events after the
// last seq it saw (one indexed range query, however many certificates are revoked), so every
// replica acts on a revocation at its next poll. The first poll only learns where the log
// ends: what was revoked before this process started had no stream here to act on.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/ledger/ledger.h"

namespace svidd::publish {

class RevocationWatcher {
 public:
  RevocationWatcher(const ledger::Ledger& ledger, const Clock& clock)
      : ledger_(ledger), clock_(clock) {}

  // The certificates revoked since the last poll that have not expired, in the order they
  // were revoked. On an error nothing is consumed: the next poll sees the same revocations.
  absl::StatusOr<std::vector<ledger::CertificateRecord>> Poll();
  // The last event seq seen (nullopt before the first poll).
  std::optional<int64_t> cursor() const { return cursor_; }

 private:
  const ledger::Ledger& ledger_;
  const Clock& clock_;
  std::optional<int64_t> cursor_;
};

}  // namespace svidd::publish
