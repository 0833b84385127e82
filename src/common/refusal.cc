#include "svidd/common/refusal.h"

#include <array>

#include "absl/strings/cord.h"
#include "absl/strings/string_view.h"

namespace svidd {
namespace {

constexpr absl::string_view kPayloadUrl = "type.googleapis.com/svidd.Refusal";

struct Row {
  Refusal reason;
  absl::StatusCode code;
  std::string_view name;
};

using C = absl::StatusCode;
// Indexed by the enum's value: one row per reason, in the enum's order (checked below).
constexpr std::array<Row, static_cast<size_t>(Refusal::kCount)> kTable = {{
    {Refusal::kNoCredentials, C::kUnauthenticated, "no-credentials"},
    {Refusal::kRevokedCertificate, C::kUnauthenticated, "revoked-certificate"},
    {Refusal::kExpiredCertificate, C::kUnauthenticated, "expired-certificate"},
    {Refusal::kClientCertificate, C::kUnauthenticated, "client-certificate"},
    {Refusal::kExpiredToken, C::kUnauthenticated, "expired-token"},
    {Refusal::kTokenNotYetValid, C::kUnauthenticated, "token-not-yet-valid"},
    {Refusal::kTokenAudience, C::kUnauthenticated, "token-audience"},
    {Refusal::kTokenIssuer, C::kUnauthenticated, "token-issuer"},
    {Refusal::kTokenSignature, C::kUnauthenticated, "token-signature"},
    {Refusal::kTokenAlgorithm, C::kUnauthenticated, "token-algorithm"},
    {Refusal::kTokenAuthOff, C::kUnauthenticated, "token-auth-off"},
    {Refusal::kAuthorizationHeader, C::kUnauthenticated, "authorization-header"},
    {Refusal::kToken, C::kUnauthenticated, "token"},
    {Refusal::kCsr, C::kInvalidArgument, "csr"},
    {Refusal::kIdentity, C::kPermissionDenied, "identity"},
    {Refusal::kImpersonation, C::kPermissionDenied, "impersonation"},
    {Refusal::kOperatorCredential, C::kPermissionDenied, "operator-credential"},
    {Refusal::kProfile, C::kInvalidArgument, "profile"},
    {Refusal::kCaNotReady, C::kUnavailable, "ca-not-ready"},
    {Refusal::kLedger, C::kUnavailable, "ledger"},
    {Refusal::kRevocationCheck, C::kUnavailable, "revocation-check"},
    {Refusal::kShuttingDown, C::kUnavailable, "shutting-down"},
    {Refusal::kHalted, C::kUnavailable, "halted"},
    {Refusal::kSigning, C::kInternal, "signing"},
    {Refusal::kRateLimited, C::kResourceExhausted, "rate-limited"},
    {Refusal::kQueueFull, C::kResourceExhausted, "queue-full"},
}};

// A missing row leaves a default one (kNoCredentials) out of place, so this also catches a
// reason added to the enum but not here.
constexpr bool EveryReasonHasItsRow() {
  for (size_t i = 0; i < kTable.size(); ++i) {
    if (static_cast<size_t>(kTable[i].reason) != i || kTable[i].name.empty()) return false;
  }
  return true;
}
static_assert(EveryReasonHasItsRow(), "kTable needs one row per Refusal, in the enum's order");

const Row& RowOf(Refusal reason) { return kTable[static_cast<size_t>(reason)]; }

}  // namespace

absl::StatusCode RefusalCode(Refusal reason) { return RowOf(reason).code; }

std::string_view RefusalName(Refusal reason) { return RowOf(reason).name; }

absl::Status Refuse(Refusal reason, absl::string_view message) {
  return WithRefusal(absl::Status(RefusalCode(reason), message), reason);
}

absl::Status WithRefusal(absl::Status status, Refusal reason) {
  if (status.ok()) return status;
  const std::string_view name = RefusalName(reason);
  status.SetPayload(kPayloadUrl, absl::Cord(absl::string_view(name.data(), name.size())));
  return status;
}

std::optional<Refusal> RefusalOf(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kPayloadUrl);
  if (!payload.has_value()) return std::nullopt;
  for (const Row& row : kTable) {
    if (*payload == absl::string_view(row.name.data(), row.name.size())) return row.reason;
  }
  return std::nullopt;
}

}  // namespace svidd
