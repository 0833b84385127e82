// The chain's encoding, checked against answers computed independently from the documented
// format (migrations/0003_event_log.sql) with Python's hashlib and struct.
#include "svidd/ledger/event_chain.h"

#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "absl/strings/escaping.h"
#include "ledger/ledger_test_util.h"

namespace svidd::ledger {
namespace {

using ::svidd::testing::kBaseUnix;
using ::svidd::testing::MakeRecord;

constexpr char kIssuance[] = "825f96a371eda156a878e5d5f7821ad78d162d75c880f80d5d3de763e86278cb";
constexpr char kRevocation[] = "951388c65bd48d8e8db09d1437ca053c0d6fb400d1212ed0ff71248012053fc3";
constexpr char kEvent1[] = "47a487c130cc9f4e421c04b4bcbb322aac305844be44a3fa3d40df39791174ec";
constexpr char kEvent2[] = "7ecd4b2c54260e045f157f5e3fcfa97df9efcee1a42ecae701fdf759652aa3e9";

const TimePoint kRevokedAt = FromUnixSeconds(kBaseUnix + 7200);

LedgerEvent FirstEvent() {
  return LedgerEvent{1,         EventKind::kIssued, "5a3f09", FromUnixSeconds(kBaseUnix),
                     kIssuance, kGenesisHash,       ""};
}

TEST(EventChainTest, KnownAnswers) {
  EXPECT_EQ(IssuanceDigest(MakeRecord("5a3f09")).value(), kIssuance);
  EXPECT_EQ(RevocationDigest("5a3f09", kRevokedAt, "key compromise").value(), kRevocation);
  EXPECT_EQ(EventHash(FirstEvent()).value(), kEvent1);
  LedgerEvent second{2, EventKind::kRevoked, "5a3f09", kRevokedAt, kRevocation, kEvent1, ""};
  EXPECT_EQ(EventHash(second).value(), kEvent2);
  EXPECT_EQ(absl::BytesToHexString(
                CheckpointMessage(2, kEvent2, kRevokedAt + std::chrono::seconds(1)).value()),
            "000000000000001a73766964642e6c65646765722e636865636b706f696e742e7631"
            "0000000000000008000000000000000200000000000000207ecd4b2c54260e045f157f5e3fcfa97d"
            "f9efcee1a42ecae701fdf759652aa3e9000000000000000800000000684efda1");
}

TEST(EventChainTest, GenesisIsThirtyTwoZeroBytes) {
  EXPECT_EQ(std::string(kGenesisHash), std::string(64, '0'));
}

TEST(EventChainTest, SubSecondTimesHashAsTheirStoredWholeSeconds) {
  CertificateRecord r = MakeRecord("5a3f09");
  r.issued_at += std::chrono::milliseconds(999);
  EXPECT_EQ(IssuanceDigest(r).value(), kIssuance);
}

TEST(EventChainTest, IssuanceDigestCoversEveryImmutableField) {
  const std::vector<std::pair<std::string, std::function<void(CertificateRecord&)>>> edits = {
      {"serial", [](CertificateRecord& r) { r.serial_hex = "5a3f0a"; }},
      {"spiffe_id", [](CertificateRecord& r) { r.spiffe_id += "x"; }},
      {"kind", [](CertificateRecord& r) { r.kind = CertKind::kServer; }},
      {"issued_at", [](CertificateRecord& r) { r.issued_at += std::chrono::seconds(1); }},
      {"not_before", [](CertificateRecord& r) { r.not_before += std::chrono::seconds(1); }},
      {"not_after", [](CertificateRecord& r) { r.not_after += std::chrono::seconds(1); }},
      {"issuer_serial", [](CertificateRecord& r) { r.issuer_serial_hex = "0a1b2d"; }},
      {"issuer_subject", [](CertificateRecord& r) { r.issuer_subject += " "; }},
      {"public_key_sha256", [](CertificateRecord& r) { r.public_key_sha256[0] = 'f'; }},
      {"key_type", [](CertificateRecord& r) { r.key_type = "RSA-2048"; }},
      {"auth_method", [](CertificateRecord& r) { r.auth_method = "self"; }},
      {"auth_principal", [](CertificateRecord& r) { r.auth_principal += "2"; }},
      {"certificate_pem", [](CertificateRecord& r) { r.certificate_pem += "\n"; }},
      {"supersedes_serial", [](CertificateRecord& r) { r.supersedes_serial_hex = "01"; }},
  };
  for (const auto& [field, edit] : edits) {
    SCOPED_TRACE(field);
    CertificateRecord r = MakeRecord("5a3f09");
    edit(r);
    EXPECT_NE(IssuanceDigest(r).value(), kIssuance);
  }
}

TEST(EventChainTest, IssuanceDigestLeavesOutTheRevocationFields) {
  CertificateRecord r = MakeRecord("5a3f09");
  r.status = CertStatus::kRevoked;
  r.revoked_at = kRevokedAt;
  r.revocation_reason = "key compromise";
  EXPECT_EQ(IssuanceDigest(r).value(), kIssuance);
}

TEST(EventChainTest, FramingKeepsNeighbouringFieldsApart) {
  CertificateRecord a = MakeRecord("5a3f09");
  CertificateRecord b = a;
  a.auth_method = "kubernetes";
  a.auth_principal = "web";
  b.auth_method = "kubernetesw";
  b.auth_principal = "eb";
  EXPECT_NE(IssuanceDigest(a).value(), IssuanceDigest(b).value());
  EXPECT_NE(RevocationDigest("ab", kRevokedAt, "c").value(),
            RevocationDigest("a", kRevokedAt, "bc").value());
}

TEST(EventChainTest, EventHashCoversEveryField) {
  const std::vector<std::pair<std::string, std::function<void(LedgerEvent&)>>> edits = {
      {"seq", [](LedgerEvent& e) { e.seq = 2; }},
      {"kind", [](LedgerEvent& e) { e.kind = EventKind::kRevoked; }},
      {"serial", [](LedgerEvent& e) { e.serial_hex = "5a3f0a"; }},
      {"at", [](LedgerEvent& e) { e.at += std::chrono::seconds(1); }},
      {"content", [](LedgerEvent& e) { e.content_sha256 = kRevocation; }},
      {"prev_hash", [](LedgerEvent& e) { e.prev_hash = kEvent1; }},
  };
  std::set<std::string> hashes = {kEvent1};
  for (const auto& [field, edit] : edits) {
    SCOPED_TRACE(field);
    LedgerEvent e = FirstEvent();
    edit(e);
    EXPECT_TRUE(hashes.insert(EventHash(e).value()).second);
  }
  LedgerEvent e = FirstEvent();
  e.hash = "ignored";
  EXPECT_EQ(EventHash(e).value(), kEvent1);
}

TEST(EventChainTest, MalformedDigestsAreRefused) {
  for (const std::string& bad :
       std::vector<std::string>{"", "00", std::string(63, '0'), std::string(64, 'g')}) {
    SCOPED_TRACE(bad);
    LedgerEvent e = FirstEvent();
    e.prev_hash = bad;
    EXPECT_EQ(EventHash(e).status().code(), absl::StatusCode::kInvalidArgument);
    e = FirstEvent();
    e.content_sha256 = bad;
    EXPECT_EQ(EventHash(e).status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(CheckpointMessage(1, bad, kRevokedAt).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace svidd::ledger
