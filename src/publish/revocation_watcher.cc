#include "svidd/publish/revocation_watcher.h"

#include "svidd/common/status_macros.h"

namespace svidd::publish {

absl::StatusOr<std::vector<ledger::CertificateRecord>> RevocationWatcher::Poll() {
  SVIDD_ASSIGN_OR_RETURN(ledger::ChainHead head, ledger_.GetChainHead());
  std::vector<ledger::CertificateRecord> fresh;
  if (!cursor_.has_value()) {
    cursor_ = head.seq;
    return fresh;
  }
  // Through the head read above, so an event appended meanwhile is left for the next poll
  // rather than skipped by moving the cursor past it.
  SVIDD_ASSIGN_OR_RETURN(std::vector<ledger::LedgerEvent> events,
                         ledger_.ListEvents({*cursor_, head.seq, ledger::EventKind::kRevoked}));
  const TimePoint now = clock_.Now();
  for (const ledger::LedgerEvent& event : events) {
    SVIDD_ASSIGN_OR_RETURN(ledger::CertificateRecord record,
                           ledger_.GetCertificate(event.serial_hex));
    if (record.not_after > now) fresh.push_back(std::move(record));  // expired: nothing to do
  }
  cursor_ = head.seq;
  return fresh;
}

}  // namespace svidd::publish
