#include "svidd/ledger/ledger.h"

#include <future>
#include <memory>

namespace svidd::ledger {

absl::Status Ledger::RecordIssuance(CertificateRecord record) {
  auto promise = std::make_shared<std::promise<absl::Status>>();
  std::future<absl::Status> result = promise->get_future();
  RecordIssuanceAsync(std::move(record),
                      [promise](absl::Status status) { promise->set_value(std::move(status)); });
  return result.get();
}

}  // namespace svidd::ledger
