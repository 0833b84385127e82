#include "publish/crl_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "svidd/common/time_format.h"

namespace svidd::publish {
namespace {

using std::chrono::hours;
using ::testing::ElementsAre;

const TimePoint kNow = FromUnixSeconds(1'750'000'000);

ledger::CertificateRecord Revoked(const std::string& serial, const std::string& issuer,
                                  const std::string& reason,
                                  TimePoint not_after = kNow + hours(1)) {
  ledger::CertificateRecord record;
  record.serial_hex = serial;
  record.issuer_serial_hex = issuer;
  record.not_after = not_after;
  record.status = ledger::CertStatus::kRevoked;
  record.revoked_at = kNow - hours(1);
  record.revocation_reason = reason;
  return record;
}

std::vector<std::string> Serials(const std::vector<pki::RevokedCertificate>& entries) {
  std::vector<std::string> out;
  for (const pki::RevokedCertificate& entry : entries) out.push_back(entry.serial_hex);
  return out;
}

TEST(CrlPolicyTest, ListsOnlyTheIssuersRevokedCertificatesUntilPastExpiry) {
  ledger::CertificateRecord active = Revoked("0b", "aa", "");
  active.status = ledger::CertStatus::kActive;
  active.revoked_at.reset();
  struct Case {
    const char* name;
    ledger::CertificateRecord record;
    bool listed;
  };
  const Case cases[] = {
      {"revoked, valid", Revoked("01", "aa", "key compromise"), true},
      {"another issuer's", Revoked("02", "bb", ""), false},
      {"active", active, false},
      {"expired, within one CRL validity", Revoked("03", "aa", "", kNow - hours(23)), true},
      {"expired for a whole CRL validity", Revoked("04", "aa", "", kNow - hours(24)), false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto entries = RevokedEntriesFor({c.record}, "aa", kNow, hours(24));
    EXPECT_EQ(entries.size(), c.listed ? 1u : 0u);
  }
}

TEST(CrlPolicyTest, ReadsReasonsAndSortsBySerialValue) {
  auto entries = RevokedEntriesFor(
      {Revoked("0100", "aa", "superseded"), Revoked("ff", "aa", "keyCompromise: stolen laptop"),
       Revoked("0a", "aa", "operator said so")},
      "aa", kNow, hours(24));
  EXPECT_THAT(Serials(entries), ElementsAre("0a", "ff", "0100"));
  EXPECT_EQ(entries[0].reason, std::nullopt);
  EXPECT_EQ(entries[1].reason, pki::RevocationReason::kKeyCompromise);
  EXPECT_EQ(entries[2].reason, pki::RevocationReason::kSuperseded);
  EXPECT_EQ(entries[0].revoked_at, kNow - hours(1));
}

TEST(CrlPolicyTest, RebuildsWhenEntriesChangeOrHalfTheValidityIsGone) {
  pki::Crl current;
  current.this_update = kNow;
  current.next_update = kNow + hours(24);
  current.revoked = {{"01", kNow - hours(1), std::nullopt}};
  const std::vector<pki::RevokedCertificate> same = current.revoked;
  const std::vector<pki::RevokedCertificate> more = {
      {"01", kNow - hours(1), std::nullopt}, {"02", kNow, pki::RevocationReason::kSuperseded}};
  struct Case {
    const char* name;
    std::vector<pki::RevokedCertificate> wanted;
    TimePoint now;
    bool rebuild;
  };
  const Case cases[] = {
      {"nothing new", same, kNow + hours(1), false},
      {"just before half-way", same, kNow + hours(12) - std::chrono::seconds(1), false},
      {"half-way", same, kNow + hours(12), true},
      {"past nextUpdate", same, kNow + hours(25), true},
      {"a new revocation", more, kNow + hours(1), true},
      {"an entry aged out", {}, kNow + hours(1), true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(CrlNeedsRebuild(current, c.wanted, c.now), c.rebuild);
  }
}

}  // namespace
}  // namespace svidd::publish
