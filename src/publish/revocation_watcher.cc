#include "publish/revocation_watcher.h"

namespace svidd {

absl::StatusOr<std::vector<CertificateRecord>> RevocationWatcher::Poll() {
  CertificateFilter filter;
  filter.status = CertStatus::kRevoked;
  filter.not_after_after = clock_.Now();  // an expired certificate no longer matters
  absl::StatusOr<std::vector<CertificateRecord>> revoked = ledger_.ListCertificates(filter);
  if (!revoked.ok()) return revoked.status();
  std::vector<CertificateRecord> fresh;
  std::unordered_set<std::string> now_seen;
  for (CertificateRecord& record : *revoked) {
    now_seen.insert(record.serial_hex);
    if (primed_ && !seen_.contains(record.serial_hex)) fresh.push_back(std::move(record));
  }
  seen_ = std::move(now_seen);  // forget what expired, so the set stays small
  primed_ = true;
  return fresh;
}

}  // namespace svidd
