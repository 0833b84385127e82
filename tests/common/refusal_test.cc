// Refusals as a property of the status: every reason has a code and a name of its own, the
// reason travels with the status, and a few mappings that callers act on are pinned. The
// full reason -> code table lives once, in src/common/refusal.cc.
#include "svidd/common/refusal.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/common/status_macros.h"

namespace svidd {
namespace {

using C = absl::StatusCode;

// Every value of the enum: kQueueFull is its last (a reason added after it must move this).
std::vector<Refusal> AllReasons() {
  std::vector<Refusal> all;
  for (int i = 0; i <= static_cast<int>(Refusal::kQueueFull); ++i) {
    all.push_back(static_cast<Refusal>(i));
  }
  return all;
}

bool IsLowerCaseDashed(std::string_view name) {
  if (name.empty() || name.front() == '-' || name.back() == '-') return false;
  for (char c : name) {
    if (!(c >= 'a' && c <= 'z') && c != '-') return false;
  }
  return true;
}

// The name is a metric label and a key in the ledger's refusal table: one per reason.
TEST(RefusalTest, EveryReasonHasAnErrorCodeAndADistinctName) {
  std::set<std::string_view> names;
  for (Refusal reason : AllReasons()) {
    const std::string_view name = RefusalName(reason);
    SCOPED_TRACE(std::string(name) + " (" + std::to_string(static_cast<int>(reason)) + ")");
    EXPECT_TRUE(IsLowerCaseDashed(name));
    EXPECT_TRUE(names.insert(name).second) << "two reasons share a name";
    EXPECT_NE(RefusalCode(reason), C::kOk);
    EXPECT_NE(RefusalCode(reason), C::kUnknown);
  }
}

TEST(RefusalTest, RefuseAttachesTheReasonWithItsCodeAndTheMessage) {
  for (Refusal reason : AllReasons()) {
    SCOPED_TRACE(std::string(RefusalName(reason)));
    absl::Status refused = Refuse(reason, "why");
    EXPECT_EQ(refused.code(), RefusalCode(reason));
    EXPECT_EQ(refused.message(), "why");
    EXPECT_EQ(RefusalOf(refused), reason);
  }
}

// Codes (and names) callers see and act on: changing one changes what istio-agent retries
// and what dashboards count, so it must be deliberate.
TEST(RefusalTest, CodesThatMatterOnTheWire) {
  struct Case {
    Refusal reason;
    C code;
    std::string name;
  };
  const std::vector<Case> cases = {
      {Refusal::kExpiredToken, C::kUnauthenticated, "expired-token"},
      {Refusal::kRevokedCertificate, C::kUnauthenticated, "revoked-certificate"},
      {Refusal::kNoCredentials, C::kUnauthenticated, "no-credentials"},
      {Refusal::kCsr, C::kInvalidArgument, "csr"},
      {Refusal::kIdentity, C::kPermissionDenied, "identity"},
      {Refusal::kCaNotReady, C::kUnavailable, "ca-not-ready"},
      {Refusal::kQueueFull, C::kResourceExhausted, "queue-full"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(RefusalCode(c.reason), c.code);
    EXPECT_EQ(RefusalName(c.reason), c.name);
  }
}

TEST(RefusalTest, TheReasonTravelsWithCopiesAndKeepsTheStatusOwnCode) {
  absl::Status internal = WithRefusal(absl::InternalError("no randomness"), Refusal::kProfile);
  EXPECT_EQ(internal.code(), C::kInternal) << "WithRefusal keeps the code it was given";
  absl::StatusOr<int> carried = internal;
  EXPECT_EQ(RefusalOf(carried.status()), Refusal::kProfile);
  EXPECT_EQ(RefusalOf(WithRefusal(internal, Refusal::kSigning)), Refusal::kSigning)
      << "a new reason replaces the old";
  EXPECT_TRUE(WithRefusal(absl::OkStatus(), Refusal::kCsr).ok());
}

// Adding context to a message (WithContext) keeps the code and the reason.
TEST(RefusalTest, ContextAddedToTheMessageKeepsTheCodeAndTheReason) {
  absl::Status refused = Refuse(Refusal::kIdentity, "bad segment");
  absl::Status named = WithContext("namespace \"a/b\"", refused);
  EXPECT_EQ(named.code(), refused.code());
  EXPECT_EQ(named.message(), "namespace \"a/b\": bad segment");
  EXPECT_EQ(RefusalOf(named), Refusal::kIdentity);
  EXPECT_TRUE(WithContext("anything", absl::OkStatus()).ok());
}

// A status nobody refused with carries no reason, whatever its code or message says.
TEST(RefusalTest, AStatusWithoutThePayloadHasNoReason) {
  EXPECT_FALSE(RefusalOf(absl::OkStatus()).has_value());
  EXPECT_FALSE(RefusalOf(absl::UnauthenticatedError("token expired at 2025-01-01")).has_value());
  EXPECT_FALSE(RefusalOf(absl::UnavailableError("CA not ready")).has_value());
  EXPECT_FALSE(RefusalOf(absl::Status(RefusalCode(Refusal::kQueueFull), "queue-full")).has_value());
}

}  // namespace
}  // namespace svidd
