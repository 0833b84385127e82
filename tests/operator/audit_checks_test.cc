// The audit's checks one by one: CA lifetimes against the thresholds, key file modes, weak
// key labels.
#include "operator/audit_checks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "operator/operator_fixture.h"

namespace svidd::ops::internal {
namespace {

using std::chrono::hours;
using ::testing::HasSubstr;
const TimePoint kAuditNow = FromUnixSeconds(1'760'000'000);
constexpr hours kDay(24);

TEST(CaLifetimeCheckTest, ThresholdsScaleWithLifetime) {
  struct Case {
    const char* name;
    std::chrono::seconds lifetime;
    std::chrono::seconds left;
    std::optional<AuditSeverity> want;
  };
  const std::vector<Case> cases = {
      {"one-year CA with 200 days left", kDay * 365, kDay * 200, std::nullopt},
      {"one-year CA with 29 days left", kDay * 365, kDay * 29, AuditSeverity::kWarning},
      {"one-year CA with 6 days left", kDay * 365, kDay * 6, AuditSeverity::kCritical},
      {"ten-year root with 31 days left", kDay * 3650, kDay * 31, std::nullopt},
      {"two-day CA with 12h left", kDay * 2, hours(12), AuditSeverity::kWarning},
      {"two-day CA with 7h left", kDay * 2, hours(7), AuditSeverity::kCritical},
      {"two-day CA with 17h left", kDay * 2, hours(17), std::nullopt},
      {"expired", kDay * 365, -hours(1), AuditSeverity::kCritical},
      {"expires this second", kDay * 365, std::chrono::seconds(0), AuditSeverity::kCritical},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    CaSnapshot ca;
    CaCertificateInfo cert;
    cert.serial_hex = "0a";
    cert.not_after = kAuditNow + c.left;
    cert.not_before = cert.not_after - c.lifetime;
    ca.certificates.push_back(cert);
    std::vector<AuditFinding> got = CheckCaLifetimes(ca, kAuditNow, AuditPolicy{});
    if (!c.want.has_value()) {
      EXPECT_TRUE(got.empty()) << got.front().message;
      continue;
    }
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].severity, *c.want);
    EXPECT_EQ(got[0].check, "ca-expiry");
    EXPECT_EQ(got[0].subject, "0a");
  }
}

// The README's --ca-ttl 10m: svidd activates the next intermediate with a sixth of its life
// from issuance left (100 s). Counted from the NotBefore backdated 2 minutes, 110 s left would
// already be critical although the rotation is on time.
TEST(CaLifetimeCheckTest, LifetimeCountsFromIssuanceWhenOnRecord) {
  CaSnapshot ca;
  CaCertificateInfo cert;
  cert.serial_hex = "0b";
  cert.not_after = kAuditNow + std::chrono::seconds(110);
  cert.issued_at = cert.not_after - std::chrono::minutes(10);
  cert.not_before = *cert.issued_at - std::chrono::minutes(2);
  ca.certificates.push_back(cert);
  std::vector<AuditFinding> got = CheckCaLifetimes(ca, kAuditNow, AuditPolicy{});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].severity, AuditSeverity::kWarning) << got[0].message;
}

TEST(KeyFileCheckTest, GroupOrOtherAccessToAnyKeyFileIsCritical) {
  struct Case {
    const char* name;
    std::vector<std::pair<std::string, unsigned>> files;
    std::vector<std::string> flagged;
    bool mentions_missing_ca_key = false;
  };
  const std::vector<Case> cases = {
      {"private", {{"ca-key.pem", 0600}, {"ca-cert.pem", 0644}}, {}},
      {"ca key world readable", {{"ca-key.pem", 0644}}, {"ca-key.pem"}},
      {"ca key group writable", {{"ca-key.pem", 0620}}, {"ca-key.pem"}},
      {"root key readable too", {{"ca-key.pem", 0600}, {"root-key.pem", 0640}}, {"root-key.pem"}},
      {"a .key file", {{"ca-key.pem", 0400}, {"old.key", 0604}}, {"old.key"}},
      {"no ca key", {{"ca-cert.pem", 0644}}, {}, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto dir = testing::TestDataDir::Create(kAuditNow);  // just for a temp directory
    ASSERT_TRUE(dir.ok());
    const auto keys = (*dir)->path() / "keys";
    std::filesystem::create_directories(keys);
    for (const auto& [name, mode] : c.files) {
      std::ofstream(keys / name) << "x";
      ASSERT_EQ(::chmod((keys / name).c_str(), mode), 0);
    }
    std::vector<std::string> flagged;
    bool missing = false;
    for (const AuditFinding& f : CheckKeyFiles(keys)) {
      if (f.severity == AuditSeverity::kCritical) {
        flagged.push_back(std::filesystem::path(f.subject).filename().string());
        EXPECT_THAT(f.message, HasSubstr("chmod 600"));
      }
      if (f.severity == AuditSeverity::kInfo) missing = true;
    }
    EXPECT_EQ(flagged, c.flagged);
    EXPECT_EQ(missing, c.mentions_missing_ca_key);
  }
}

TEST(KeyFileCheckTest, MissingDirectoryIsAWarning) {
  std::vector<AuditFinding> got = CheckKeyFiles("/nonexistent/svidd/ca");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].severity, AuditSeverity::kWarning);
}

TEST(WeakKeyReasonTest, Labels) {
  struct Case {
    const char* label;
    bool weak;
  };
  const std::vector<Case> cases = {
      {"RSA-2048", false}, {"RSA-4096", false},    {"EC-P256", false},           {"EC-P384", false},
      {"EC-P521", false},  {"ED25519", false},     {"RSA-1024", true},           {"RSA-2047", true},
      {"RSA-x", true},     {"EC-secp256k1", true}, {"EC-brainpoolP256r1", true}, {"DSA-1024", true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.label);
    EXPECT_EQ(WeakKeyReason(c.label).has_value(), c.weak);
  }
}

}  // namespace
}  // namespace svidd::ops::internal
