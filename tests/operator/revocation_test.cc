// Revoking one certificate, an identity, or everything one CA certificate signed.
#include <gmock/gmock.h>

#include "operator/operator_fixture.h"

namespace svidd::testing {
namespace {

using ::testing::HasSubstr;
using Target = ops::RevocationRequest::Target;

std::vector<std::string> SerialsOf(const ops::RevocationResult& result) {
  std::vector<std::string> out;
  for (const ledger::CertificateRecord& r : result.revoked) out.push_back(r.serial_hex);
  return out;
}

class RevocationTest : public OperatorFixture {};

TEST_F(RevocationTest, OneSerialInOperatorSpelling) {
  const std::string serial = fleet_.SerialsOf(fleet_.web).back();
  auto got = service_->Revoke({Target::kSerial, "0x" + serial, "rotated"});
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(SerialsOf(*got), std::vector<std::string>{serial});
  EXPECT_EQ(got->revoked[0].status, ledger::CertStatus::kRevoked);
  EXPECT_EQ(got->revoked[0].revoked_at, now());
  EXPECT_EQ(got->revoked[0].revocation_reason, "rotated");
  auto again = service_->Revoke({Target::kSerial, serial, ""});
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(RevocationTest, EveryActiveCertificateOfAnIdentity) {
  auto got = service_->Revoke({Target::kSpiffeId, fleet_.web, "decommissioned"});
  ASSERT_TRUE(got.ok()) << got.status();
  std::vector<std::string> want = fleet_.SerialsOf(fleet_.web);
  std::reverse(want.begin(), want.end());  // newest first
  EXPECT_EQ(SerialsOf(*got), want);
  ledger::CertificateFilter still_active;
  still_active.spiffe_id = fleet_.web;
  still_active.status = ledger::CertStatus::kActive;
  EXPECT_EQ(dir_->ledger().CountCertificates(still_active).value(), 0);
  // Other identities are untouched.
  still_active.spiffe_id = fleet_.api;
  EXPECT_EQ(dir_->ledger().CountCertificates(still_active).value(), 3);
  // An identity already fully revoked: nothing to do, not an error.
  auto none = service_->Revoke({Target::kSpiffeId, fleet_.compromised, ""});
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->revoked.empty());
}

TEST_F(RevocationTest, EverythingOneIntermediateSigned) {
  auto got = service_->Revoke(
      {Target::kIssuer, dir_->authority().signer_serial_hex(), "intermediate compromised"});
  ASSERT_TRUE(got.ok()) << got.status();
  const size_t already = fleet_.SerialsOf(fleet_.compromised).size();
  EXPECT_EQ(got->revoked.size(), fleet_.records.size() - already);
  ledger::CertificateFilter active;
  active.status = ledger::CertStatus::kActive;
  EXPECT_EQ(dir_->ledger().CountCertificates(active).value(), 0);
}

TEST_F(RevocationTest, Refusals) {
  struct Case {
    const char* name;
    ops::RevocationRequest request;
    absl::StatusCode code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"unknown serial",
       {Target::kSerial, "beef", ""},
       absl::StatusCode::kNotFound,
       "no certificate with serial beef"},
      {"bad serial",
       {Target::kSerial, "xyz", ""},
       absl::StatusCode::kInvalidArgument,
       "\"xyz\" is not a certificate serial"},
      {"unknown identity",
       {Target::kSpiffeId, "spiffe://cluster.local/ns/x/sa/y", ""},
       absl::StatusCode::kNotFound,
       "no certificate for SPIFFE ID spiffe://cluster.local/ns/x/sa/y"},
      {"unknown issuer",
       {Target::kIssuer, "abcdef", ""},
       absl::StatusCode::kNotFound,
       "no certificate for issuer abcdef"},
      {"bad issuer",
       {Target::kIssuer, "nothex", ""},
       absl::StatusCode::kInvalidArgument,
       "is not a issuer serial"},
      {"empty", {Target::kSpiffeId, "", ""}, absl::StatusCode::kInvalidArgument, "name a serial"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto got = service_->Revoke(c.request);
    EXPECT_EQ(got.status().code(), c.code);
    EXPECT_THAT(std::string(got.status().message()), HasSubstr(c.message));
  }
}

}  // namespace
}  // namespace svidd::testing
