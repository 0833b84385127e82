// The reason → code table, and that a reason survives being carried on a status.
#include "svidd/common/refusal.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace svidd {
namespace {

using C = absl::StatusCode;

// The codes callers see. Changing one changes what istio-agent retries: it must be deliberate.
TEST(RefusalTest, EveryReasonHasItsCodeAndAUniqueName) {
  struct Case {
    Refusal reason;
    C code;
    std::string name;
  };
  const std::vector<Case> cases = {
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
  };
  std::set<std::string> names;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(RefusalCode(c.reason), c.code);
    EXPECT_EQ(RefusalName(c.reason), c.name);
    absl::Status refused = Refuse(c.reason, "why");
    EXPECT_EQ(refused.code(), c.code);
    EXPECT_EQ(refused.message(), "why");
    EXPECT_EQ(RefusalOf(refused), c.reason);
    EXPECT_TRUE(names.insert(c.name).second) << "duplicate name";
  }
  EXPECT_EQ(cases.size(), static_cast<size_t>(Refusal::kQueueFull) + 1) << "a reason is untested";
}

TEST(RefusalTest, TheReasonTravelsWithCopiesAndKeepsTheStatusOwnCode) {
  absl::Status internal = WithRefusal(absl::InternalError("no randomness"), Refusal::kProfile);
  EXPECT_EQ(internal.code(), C::kInternal) << "WithRefusal keeps the code it was given";
  absl::StatusOr<int> carried = internal;
  EXPECT_EQ(RefusalOf(carried.status()), Refusal::kProfile);
  EXPECT_TRUE(WithRefusal(absl::OkStatus(), Refusal::kCsr).ok());
}

TEST(RefusalTest, MessageTextIsNeverTheReason) {
  EXPECT_FALSE(RefusalOf(absl::UnauthenticatedError("token expired at 2025-01-01")).has_value());
  EXPECT_FALSE(RefusalOf(absl::UnavailableError("CA not ready")).has_value());
}

}  // namespace
}  // namespace svidd
