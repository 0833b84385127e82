#include "svidd/metrics/refusal_counter.h"

#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "svidd/api/grpc_status.h"
#include "svidd/common/time_format.h"

namespace svidd {
namespace {

struct Category {
  absl::StatusCode code;
  std::vector<std::string_view> all_of;  // every fragment must appear in the message
  std::string_view name;
};

// First match wins: the more specific rows of a code come before its general ones.
const std::vector<Category>& Categories() {
  using C = absl::StatusCode;
  static const std::vector<Category> table = {
      {C::kUnauthenticated, {"no credentials"}, "no-credentials"},
      {C::kUnauthenticated, {"client certificate", "revoked"}, "revoked-certificate"},
      {C::kUnauthenticated, {"client certificate", "expired"}, "expired-certificate"},
      {C::kUnauthenticated, {"client certificate"}, "client-certificate"},
      {C::kUnauthenticated, {"token expired"}, "expired-token"},
      {C::kUnauthenticated, {"token is not yet valid"}, "token-not-yet-valid"},
      {C::kUnauthenticated, {"token issued in the future"}, "token-not-yet-valid"},
      {C::kUnauthenticated, {"token audience"}, "token-audience"},
      {C::kUnauthenticated, {"token issuer"}, "token-issuer"},
      {C::kUnauthenticated, {"token signature"}, "token-signature"},
      {C::kUnauthenticated, {"token algorithm"}, "token-algorithm"},
      {C::kUnauthenticated, {"token authentication is not configured"}, "token-auth-off"},
      {C::kUnauthenticated, {"authorization header"}, "authorization-header"},
      {C::kUnauthenticated, {"token"}, "token"},
      {C::kInvalidArgument, {}, "csr"},
      {C::kPermissionDenied, {}, "identity"},
      {C::kUnavailable, {"CA not ready"}, "ca-not-ready"},
      {C::kUnavailable, {"ledger"}, "ledger"},
      {C::kUnavailable, {"revocation check"}, "revocation-check"},
      {C::kUnavailable, {"shutting down"}, "shutting-down"},
      {C::kInternal, {"signing failed"}, "signing"},
  };
  return table;
}

bool Matches(const Category& c, const absl::Status& status) {
  if (c.code != status.code()) return false;
  for (std::string_view fragment : c.all_of) {
    if (!absl::StrContains(status.message(), absl::string_view(fragment.data(), fragment.size())))
      return false;
  }
  return true;
}

// grpc::StatusCode names as gRPC spells them in documentation: "UNAUTHENTICATED" →
// "unauthenticated", "INVALID_ARGUMENT" → "invalid-argument".
std::string CodeLabel(const absl::Status& status) {
  std::string name = api::GrpcStatusCodeName(api::ToGrpcStatus(status).error_code());
  return absl::StrReplaceAll(absl::AsciiStrToLower(name), {{"_", "-"}});
}

}  // namespace

std::string RefusalReason(const absl::Status& status) {
  for (const Category& c : Categories()) {
    if (Matches(c, status)) return CodeLabel(status) + "/" + std::string(c.name);
  }
  return CodeLabel(status) + "/other";
}

void RefusalCounter::Count(const absl::Status& status) {
  if (status.ok()) return;
  std::string reason = RefusalReason(status);
  metrics_.RecordRefused(reason);
  Key key{ToUnixSeconds(RefusalHour(clock_.Now())), std::move(reason)};
  std::lock_guard<std::mutex> lock(mu_);
  ++pending_[key];
}

absl::Status RefusalCounter::Flush() {
  std::lock_guard<std::mutex> flushing(flush_mu_);
  std::map<Key, int64_t> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(pending_);
  }
  if (batch.empty()) return absl::OkStatus();
  std::vector<RefusalCount> counts;
  for (const auto& [key, n] : batch) {
    counts.push_back(RefusalCount{FromUnixSeconds(key.first), key.second, n});
  }
  absl::Status written = ledger_.AddRefusalCounts(counts);
  if (!written.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, n] : batch) pending_[key] += n;
  }
  return written;
}

int64_t RefusalCounter::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t total = 0;
  for (const auto& entry : pending_) total += entry.second;
  return total;
}

}  // namespace svidd
