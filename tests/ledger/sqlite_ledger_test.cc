#include "svidd/ledger/sqlite_ledger.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "ledger/ledger_engine.h"
#include "ledger/ledger_test_util.h"
#include "ledger/sqlite_handle.h"

namespace svidd::ledger {
namespace {

using ::svidd::testing::kBaseUnix;
using ::svidd::testing::MakeRecord;
using ::svidd::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

using ::svidd::testing::kBase;

// Runs on SQLite and on PostgreSQL (ledger_engine.h).
class LedgerTest : public ::svidd::testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (HasFatalFailure()) return;
    ledger_ = Open();
    ASSERT_NE(ledger_, nullptr);
  }
  void Record(const CertificateRecord& r) { ASSERT_TRUE(ledger_->RecordIssuance(r).ok()); }
  std::vector<std::string> Serials(const CertificateFilter& filter) {
    auto list = ledger_->ListCertificates(filter);
    EXPECT_TRUE(list.ok()) << list.status();
    std::vector<std::string> out;
    for (const auto& r : list.value_or(std::vector<CertificateRecord>{})) {
      out.push_back(r.serial_hex);
    }
    return out;
  }

  std::unique_ptr<Ledger> ledger_;
};
SVIDD_INSTANTIATE_FOR_EVERY_ENGINE(LedgerTest);

void ExpectSameRecord(const CertificateRecord& a, const CertificateRecord& b) {
  EXPECT_EQ(a.serial_hex, b.serial_hex);
  EXPECT_EQ(a.spiffe_id, b.spiffe_id);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.issued_at, b.issued_at);
  EXPECT_EQ(a.not_before, b.not_before);
  EXPECT_EQ(a.not_after, b.not_after);
  EXPECT_EQ(a.issuer_serial_hex, b.issuer_serial_hex);
  EXPECT_EQ(a.issuer_subject, b.issuer_subject);
  EXPECT_EQ(a.public_key_sha256, b.public_key_sha256);
  EXPECT_EQ(a.key_type, b.key_type);
  EXPECT_EQ(a.auth_method, b.auth_method);
  EXPECT_EQ(a.auth_principal, b.auth_principal);
  EXPECT_EQ(a.certificate_pem, b.certificate_pem);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.revoked_at, b.revoked_at);
  EXPECT_EQ(a.revocation_reason, b.revocation_reason);
  EXPECT_EQ(a.supersedes_serial_hex, b.supersedes_serial_hex);
}

TEST_P(LedgerTest, RecordAndGetRoundTripEveryField) {
  CertificateRecord server = MakeRecord("01ff", "spiffe://example.org/svidd");
  server.kind = CertKind::kServer;
  server.key_type = "RSA-3072";
  server.auth_method = "self";
  server.auth_principal = "svidd";
  CertificateRecord revoked = MakeRecord("02aa");
  revoked.kind = CertKind::kIntermediate;
  revoked.status = CertStatus::kRevoked;
  revoked.revoked_at = kBase + std::chrono::hours(2);
  revoked.revocation_reason = "key compromise: ünïcode ok";
  revoked.supersedes_serial_hex = "01ff";
  for (const CertificateRecord& r : {server, revoked}) {
    SCOPED_TRACE(r.serial_hex);
    Record(r);
    auto got = ledger_->GetCertificate(r.serial_hex);
    ASSERT_TRUE(got.ok()) << got.status();
    ExpectSameRecord(*got, r);
  }
}

TEST_P(LedgerTest, GetUnknownSerialIsNotFoundAndNamesTheFile) {
  auto got = ledger_->GetCertificate("5a3f");
  EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(got.status().message()),
              HasSubstr("no certificate with serial 5a3f in "));
  EXPECT_THAT(std::string(got.status().message()), HasSubstr(StoreName()));
}

TEST_P(LedgerTest, ListFiltersAndOrder) {
  const std::string web = "spiffe://example.org/ns/default/sa/web";
  const std::string db = "spiffe://example.org/ns/default/sa/db";
  Record(MakeRecord("0a", web, kBase, std::chrono::hours(1)));
  Record(MakeRecord("0b", db, kBase + std::chrono::seconds(10), std::chrono::hours(5)));
  Record(MakeRecord("0c", web, kBase + std::chrono::seconds(20), std::chrono::hours(48)));
  Record(MakeRecord("0d", web, kBase + std::chrono::seconds(20), std::chrono::hours(2)));
  ASSERT_TRUE(ledger_->RevokeCertificate("0c", "rotated", kBase + std::chrono::hours(1)).ok());

  struct Case {
    const char* name;
    std::function<void(CertificateFilter&)> set;
    std::vector<std::string> want;
  };
  const std::vector<Case> cases = {
      {"all, newest first then serial", [](CertificateFilter&) {}, {"0d", "0c", "0b", "0a"}},
      {"by spiffe id", [&](CertificateFilter& f) { f.spiffe_id = db; }, {"0b"}},
      {"active", [](CertificateFilter& f) { f.status = CertStatus::kActive; }, {"0d", "0b", "0a"}},
      {"revoked", [](CertificateFilter& f) { f.status = CertStatus::kRevoked; }, {"0c"}},
      {"expiring before base+3h, still valid at base+90m",
       [](CertificateFilter& f) {
         f.not_after_before = kBase + std::chrono::hours(3);
         f.not_after_after = kBase + std::chrono::minutes(90);
       },
       {"0d"}},
      {"limit", [](CertificateFilter& f) { f.limit = 2; }, {"0d", "0c"}},
      {"combined",
       [&](CertificateFilter& f) {
         f.spiffe_id = web;
         f.status = CertStatus::kActive;
         f.limit = 1;
       },
       {"0d"}},
      {"nothing matches",
       [](CertificateFilter& f) { f.spiffe_id = "spiffe://example.org/none"; },
       {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    CertificateFilter filter;
    c.set(filter);
    EXPECT_EQ(Serials(filter), c.want);
  }
}

TEST_P(LedgerTest, RevokeOnceThenRefusesAndDistinguishesUnknown) {
  Record(MakeRecord("5a3f"));
  const TimePoint at = kBase + std::chrono::hours(3);
  ASSERT_TRUE(ledger_->RevokeCertificate("5a3f", "key compromise", at).ok());
  auto got = ledger_->GetCertificate("5a3f");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, CertStatus::kRevoked);
  EXPECT_EQ(got->revoked_at, at);
  EXPECT_EQ(got->revocation_reason, "key compromise");

  absl::Status twice = ledger_->RevokeCertificate("5a3f", "again", at + std::chrono::hours(1));
  EXPECT_EQ(twice.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(twice.message()), HasSubstr("already revoked at " + FormatRfc3339(at)));
  EXPECT_EQ(ledger_->GetCertificate("5a3f")->revocation_reason, "key compromise");

  absl::Status unknown = ledger_->RevokeCertificate("beef", "", at);
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(unknown.message()), HasSubstr("no certificate with serial beef"));
}

TEST_P(LedgerTest, IsRevoked) {
  Record(MakeRecord("01"));
  Record(MakeRecord("02"));
  ASSERT_TRUE(ledger_->RevokeCertificate("02", "", kBase).ok());
  EXPECT_EQ(ledger_->IsRevoked("01").value(), false);
  EXPECT_EQ(ledger_->IsRevoked("02").value(), true);
  EXPECT_EQ(ledger_->IsRevoked("03").value(), false);
}

TEST_P(LedgerTest, DuplicateSerialIsAlreadyExists) {
  Record(MakeRecord("77"));
  absl::Status dup = ledger_->RecordIssuance(MakeRecord("77", "spiffe://example.org/other"));
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(dup.message()), HasSubstr("77"));
  EXPECT_EQ(ledger_->GetCertificate("77")->spiffe_id, MakeRecord("77").spiffe_id);
}

// A row refused for another reason than its serial is not taken for a duplicate (which the
// issuance pipeline would retry with a fresh serial), on either engine.
TEST_P(LedgerTest, ARefusedRowIsNotADuplicate) {
  CertificateRecord refused = MakeRecord("78");
  refused.status = CertStatus::kRevoked;  // without revoked_at: the table's CHECK refuses it
  absl::Status s = ledger_->RecordIssuance(refused);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.code(), absl::StatusCode::kAlreadyExists) << s;
  EXPECT_TRUE(ledger_->RecordIssuance(MakeRecord("78")).ok());
}

// The kind of a SQLite error is fixed from its (extended) result code where it is made; a unique
// key already taken is ALREADY_EXISTS whatever the message says.
TEST(SqliteResultCodeTest, UniqueKeysAreAlreadyExistsOtherConstraintsInvalidArgument) {
  struct Case {
    int rc;
    absl::StatusCode want;
  };
  const std::vector<Case> cases = {
      {SQLITE_CONSTRAINT_UNIQUE, absl::StatusCode::kAlreadyExists},
      {SQLITE_CONSTRAINT_PRIMARYKEY, absl::StatusCode::kAlreadyExists},
      {SQLITE_CONSTRAINT_CHECK, absl::StatusCode::kInvalidArgument},
      {SQLITE_CONSTRAINT_NOTNULL, absl::StatusCode::kInvalidArgument},
      {SQLITE_CONSTRAINT_TRIGGER, absl::StatusCode::kInvalidArgument},
      {SQLITE_CONSTRAINT, absl::StatusCode::kInvalidArgument},
      {SQLITE_BUSY, absl::StatusCode::kUnavailable},
      {SQLITE_IOERR_FSYNC, absl::StatusCode::kUnavailable},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.rc);
    EXPECT_EQ(internal::SqliteResultToStatusCode(c.rc), c.want);
    EXPECT_EQ(internal::SqliteError(nullptr, c.rc, "x").code(), c.want);
  }
}

TEST_P(LedgerTest, CheckWritable) { EXPECT_TRUE(ledger_->CheckWritable().ok()); }

TEST_P(LedgerTest, ReadOnlyOpenReadsButRefusesWrites) {
  Record(MakeRecord("01"));
  auto ro = TryOpen({.read_only = true});
  ASSERT_TRUE(ro.ok()) << ro.status();
  EXPECT_TRUE((*ro)->GetCertificate("01").ok());
  EXPECT_EQ((*ro)->RecordIssuance(MakeRecord("02")).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*ro)->RevokeCertificate("01", "", kBase).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*ro)->CheckWritable().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ledger_->IsRevoked("01").value(), false);
}

// A second handle stands for another replica (or svidctl) on the same store.
TEST_P(LedgerTest, DuplicateSerialFromAnotherHandleIsAlreadyExists) {
  std::unique_ptr<Ledger> replica = Open();
  ASSERT_NE(replica, nullptr);
  Record(MakeRecord("88"));
  absl::Status dup = replica->RecordIssuance(MakeRecord("88", "spiffe://example.org/other"));
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists) << dup;
  EXPECT_TRUE(replica->RecordIssuance(MakeRecord("89")).ok());
  EXPECT_EQ(ledger_->GetCertificate("88")->spiffe_id, MakeRecord("88").spiffe_id);
  EXPECT_TRUE(ledger_->GetCertificate("89").ok());
}

TEST(SqliteLedgerMemoryTest, InMemoryLedgerWorks) {
  auto ledger = OpenSqliteLedger(":memory:");
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  ASSERT_TRUE((*ledger)->RecordIssuance(MakeRecord("01")).ok());
  EXPECT_TRUE((*ledger)->GetCertificate("01").ok());
  EXPECT_TRUE((*ledger)->RevokeCertificate("01", "", kBase).ok());
  EXPECT_TRUE((*ledger)->IsRevoked("01").value());
  EXPECT_TRUE((*ledger)->CheckWritable().ok());
}

TEST(SqliteLedgerOpenTest, CreatesTheDataDirectory) {
  TempDir dir;
  auto ledger = OpenSqliteLedger(dir.path() / "var" / "svidd" / "ledger.db");
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "var" / "svidd" / "ledger.db"));
}

}  // namespace
}  // namespace svidd::ledger
