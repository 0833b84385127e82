#include "svidd/ledger/ledger.h"

#include <algorithm>
#include <future>
#include <memory>

#include "svidd/common/status_macros.h"

namespace svidd {

absl::Status Ledger::RecordIssuance(CertificateRecord record) {
  auto promise = std::make_shared<std::promise<absl::Status>>();
  std::future<absl::Status> result = promise->get_future();
  RecordIssuanceAsync(std::move(record),
                      [promise](absl::Status status) { promise->set_value(std::move(status)); });
  return result.get();
}

absl::StatusOr<std::vector<LedgerEvent>> Ledger::ListEvents(const EventRange& range) const {
  SVIDD_ASSIGN_OR_RETURN(ChainHead head, GetChainHead());
  std::vector<LedgerEvent> events;
  const int64_t last = std::min(head.seq, range.through_seq);
  for (int64_t seq = std::max<int64_t>(range.after_seq, 0) + 1; seq <= last; ++seq) {
    SVIDD_ASSIGN_OR_RETURN(LedgerEvent event, GetEvent(seq));
    if (!range.kind.has_value() || event.kind == *range.kind) events.push_back(std::move(event));
  }
  return events;
}

}  // namespace svidd
