// Notices revocations, whoever wrote them: the admin API in this process or `svidctl certs
// revoke` in another one (both write the same ledger). Each poll reads the revoked,
// unexpired certificates and reports the ones not seen before; the first poll only learns
// what is already revoked.
#pragma once

#include <unordered_set>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/ledger/ledger.h"

namespace svidd {

class RevocationWatcher {
 public:
  RevocationWatcher(const Ledger& ledger, const Clock& clock) : ledger_(ledger), clock_(clock) {}

  absl::StatusOr<std::vector<CertificateRecord>> Poll();

 private:
  const Ledger& ledger_;
  const Clock& clock_;
  bool primed_ = false;
  std::unordered_set<std::string> seen_;
};

}  // namespace svidd
