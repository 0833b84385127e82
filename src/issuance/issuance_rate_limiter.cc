#include "issuance/issuance_rate_limiter.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "svidd/common/refusal.h"

namespace svidd::issuance {
namespace {

constexpr size_t kPruneAbove = 4096;  // identities tracked before quiet ones are dropped

int64_t RetryMillis(TimePoint available, TimePoint now) {
  const auto wait = std::chrono::ceil<std::chrono::milliseconds>(available - now);
  return std::max<int64_t>(wait.count(), 1);
}

}  // namespace

IssuanceRateLimiter::IssuanceRateLimiter(IssuanceRateLimits limits) : limits_(limits) {
  if (limits_.global_per_second > 0) global_.emplace(limits_.global_per_second);
}

absl::Status IssuanceRateLimiter::Admit(const std::string& spiffe_id, TimePoint now) {
  MutexLock lock(&mu_);
  rotation::RateLimiter* identity = nullptr;
  if (limits_.per_identity_per_second > 0) {
    if (per_identity_.size() > kPruneAbove) PruneLocked(now);
    identity = &per_identity_.try_emplace(spiffe_id, limits_.per_identity_per_second).first->second;
    if (identity->NextAvailable() > now) {
      return Refuse(Refusal::kRateLimited,
                    absl::StrCat("issuance rate limit for ", spiffe_id, " (",
                                 limits_.per_identity_per_second, " per second) reached; retry in ",
                                 RetryMillis(identity->NextAvailable(), now), " ms"));
    }
  }
  if (global_.has_value() && global_->NextAvailable() > now) {
    return Refuse(Refusal::kRateLimited,
                  absl::StrCat("svidd's issuance rate limit (", limits_.global_per_second,
                               " per second) reached; retry in ",
                               RetryMillis(global_->NextAvailable(), now), " ms"));
  }
  if (identity != nullptr) identity->TryAcquire(now);
  if (global_.has_value()) global_->TryAcquire(now);
  return absl::OkStatus();
}

// A bucket whose next token was available over a second ago is full again: forgetting it
// changes nothing.
void IssuanceRateLimiter::PruneLocked(TimePoint now) {
  std::erase_if(per_identity_, [now](const auto& entry) {
    return entry.second.NextAvailable() < now - std::chrono::seconds(1);
  });
}

}  // namespace svidd::issuance
