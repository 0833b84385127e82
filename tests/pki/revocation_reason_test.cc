#include "svidd/pki/revocation_reason.h"

#include <gtest/gtest.h>

#include <optional>

namespace svidd::pki {
namespace {

using R = RevocationReason;

TEST(RevocationReasonTest, FreeTextMapsToRfc5280Codes) {
  struct Case {
    const char* text;
    std::optional<R> want;
  };
  const Case cases[] = {
      {"keyCompromise", R::kKeyCompromise},
      {"key compromise", R::kKeyCompromise},
      {"Key Compromise", R::kKeyCompromise},
      {"KEY_COMPROMISE", R::kKeyCompromise},
      {"key-compromise", R::kKeyCompromise},
      {"  key compromise: laptop stolen", R::kKeyCompromise},
      {"keyCompromise (node 3)", R::kKeyCompromise},
      {"cACompromise", R::kCaCompromise},
      {"CA compromise", R::kCaCompromise},
      {"affiliation changed", R::kAffiliationChanged},
      {"affiliationChanged", R::kAffiliationChanged},
      {"superseded", R::kSuperseded},
      {"Superseded by a renewal", R::kSuperseded},
      {"cessation of operation", R::kCessationOfOperation},
      {"cessationOfOperation", R::kCessationOfOperation},
      {"certificate hold", R::kCertificateHold},
      {"privilege withdrawn", R::kPrivilegeWithdrawn},
      {"aACompromise", R::kAaCompromise},
      {"AA compromise", R::kAaCompromise},
      // No reason, or none RFC 5280 lets a full CRL carry:
      {"", std::nullopt},
      {"unspecified", std::nullopt},
      {"removeFromCRL", std::nullopt},
      {"decommissioned", std::nullopt},
      {"suspected key compromise", std::nullopt},  // names it, but does not start with it
      {"key", std::nullopt},
      {"1", std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(RevocationReasonFromText(c.text), c.want);
  }
}

TEST(RevocationReasonTest, NamesAreRfc5280Spellings) {
  EXPECT_STREQ(RevocationReasonName(R::kKeyCompromise), "keyCompromise");
  EXPECT_STREQ(RevocationReasonName(R::kCaCompromise), "cACompromise");
  EXPECT_STREQ(RevocationReasonName(R::kCessationOfOperation), "cessationOfOperation");
  EXPECT_STREQ(RevocationReasonName(R::kAaCompromise), "aACompromise");
  // Every name reads back as its own reason.
  for (R r :
       {R::kKeyCompromise, R::kCaCompromise, R::kAffiliationChanged, R::kSuperseded,
        R::kCessationOfOperation, R::kCertificateHold, R::kPrivilegeWithdrawn, R::kAaCompromise}) {
    SCOPED_TRACE(RevocationReasonName(r));
    EXPECT_EQ(RevocationReasonFromText(RevocationReasonName(r)), r);
  }
}

}  // namespace
}  // namespace svidd::pki
