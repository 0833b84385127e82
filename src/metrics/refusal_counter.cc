#include "svidd/metrics/refusal_counter.h"

#include <optional>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_replace.h"
#include "svidd/api/grpc_status.h"
#include "svidd/common/refusal.h"
#include "svidd/common/time_format.h"

namespace svidd::metrics {
namespace {

// grpc::StatusCode names as gRPC spells them in documentation: "UNAUTHENTICATED" →
// "unauthenticated", "INVALID_ARGUMENT" → "invalid-argument".
std::string CodeLabel(const absl::Status& status) {
  std::string name = api::GrpcStatusCodeName(api::ToGrpcStatus(status).error_code());
  return absl::StrReplaceAll(absl::AsciiStrToLower(name), {{"_", "-"}});
}

}  // namespace

std::string RefusalReason(const absl::Status& status) {
  std::optional<Refusal> reason = RefusalOf(status);
  return CodeLabel(status) + "/" +
         std::string(reason.has_value() ? RefusalName(*reason) : std::string_view("other"));
}

void RefusalCounter::Count(const absl::Status& status) {
  if (status.ok()) return;
  std::string reason = RefusalReason(status);
  metrics_.RecordRefused(reason);
  Key key{ledger::RefusalHourSeconds(clock_.Now()), std::move(reason)};
  MutexLock lock(&mu_);
  ++pending_[key];
}

absl::Status RefusalCounter::Flush() {
  MutexLock flushing(&flush_mu_);
  std::map<Key, int64_t> batch;
  {
    MutexLock lock(&mu_);
    batch.swap(pending_);
  }
  if (batch.empty()) return absl::OkStatus();
  std::vector<ledger::RefusalCount> counts;
  for (const auto& [key, n] : batch) {
    counts.push_back(ledger::RefusalCount{FromUnixSeconds(key.first), key.second, n});
  }
  absl::Status written = ledger_.AddRefusalCounts(counts);
  if (!written.ok()) {
    MutexLock lock(&mu_);
    for (const auto& [key, n] : batch) pending_[key] += n;
  }
  return written;
}

int64_t RefusalCounter::pending() const {
  MutexLock lock(&mu_);
  int64_t total = 0;
  for (const auto& entry : pending_) total += entry.second;
  return total;
}

}  // namespace svidd::metrics
