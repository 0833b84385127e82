// LedgerVerifier on real ledgers tampered with as an attacker would (the sqlite3 tool on a
// SQLite file; psql-style SQL with the guard triggers off on PostgreSQL): every form of edit,
// deletion and reordering of certificate rows and events, and the first row it reports. Every
// TEST_P runs on both engines.
// (Checkpoints and ledger-head.json: tests/server/ledger_checkpointer_test.cc and
// tests/svidctl/svidctl_ledger_test.cc.)
#include "svidd/ledger/ledger_verifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "ledger/ledger_engine.h"
#include "ledger/ledger_test_util.h"
#include "support/ledger/sqlite_tool.h"
#include "svidd/ca/ledger_checkpointer.h"
#include "svidd/common/atomic_file.h"
#include "svidd/ledger/event_chain.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::ledger {
namespace {

using ::svidd::testing::kBaseUnix;
using ::svidd::testing::MakeRecord;
using ::svidd::testing::RunSqlite3;
using ::svidd::testing::TempDir;
using ::svidd::testing::TestLedgerAuthority;
using ::svidd::testing::VerifyLedgerFile;
using ::svidd::testing::WithoutGuards;
using ::testing::HasSubstr;

using ::svidd::testing::kBase;

// Certificates 01..06 (certificates.seq 1..6, events 1..6), then 02 and 05 revoked (events 7
// and 8).
class LedgerVerifierTest : public ::svidd::testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (HasFatalFailure()) return;
    std::unique_ptr<Ledger> ledger = Open();
    ASSERT_NE(ledger, nullptr);
    for (int i = 1; i <= 6; ++i) {
      ASSERT_TRUE(ledger->RecordIssuance(MakeRecord(absl::StrCat("0", i))).ok());
    }
    ASSERT_TRUE(ledger->RevokeCertificate("02", "key compromise", kBase).ok());
    ASSERT_TRUE(ledger->RevokeCertificate("05", "retired", kBase).ok());
  }
  // `sql` on the store at `where` (default: this test's), the guards dropped or switched off.
  void Tamper(const std::string& sql, const std::string& where = "") {
    if (postgres()) {
      absl::Status s = ExecRawSql("SET session_replication_role = replica; " + sql, where);
      ASSERT_TRUE(s.ok()) << s;
      return;
    }
    absl::StatusOr<std::string> out =
        RunSqlite3(where.empty() ? location() : where, WithoutGuards(sql));
    ASSERT_TRUE(out.ok()) << out.status();
  }
  LedgerVerification Verify(const std::string& where = "",
                            VerificationScope scope = VerificationScope::kFull) {
    const std::string store = where.empty() ? location() : where;
    if (postgres()) return ::svidd::testing::VerifyLedgerUri(store, dir_.path(), scope);
    return VerifyLedgerFile(store, scope);
  }
  // Appends a correctly hashed event after the head, as someone who knows the format would.
  void AppendForged(EventKind kind, const std::string& serial, const std::string& content) {
    std::unique_ptr<Ledger> ledger = Open({.read_only = true});
    ChainHead head = ledger->GetChainHead().value();
    ledger.reset();
    LedgerEvent e{head.seq + 1, kind, serial, kBase, content, head.hash, ""};
    e.hash = EventHash(e).value();
    Tamper(absl::StrCat("DROP INDEX ledger_events_by_serial; INSERT INTO ledger_events VALUES (",
                        e.seq, ", '", EventKindName(kind), "', '", serial, "', ", kBaseUnix, ", '",
                        content, "', '", e.prev_hash, "', '", e.hash, "')"));
  }
};
SVIDD_INSTANTIATE_FOR_EVERY_ENGINE(LedgerVerifierTest);

TEST_P(LedgerVerifierTest, UntouchedLedgerIsIntactButNotYetSigned) {
  LedgerVerification report = Verify();
  ASSERT_TRUE(report.intact()) << report.first_break->detail;
  EXPECT_EQ(report.events, 8);
  EXPECT_EQ(report.certificates, 6);
  EXPECT_EQ(report.checkpoints, 0);
  std::unique_ptr<Ledger> ledger = Open({.read_only = true});
  EXPECT_EQ(report.head_hash, ledger->GetChainHead()->hash);
  ASSERT_EQ(report.warnings.size(), 2u);
  EXPECT_EQ(report.warnings[0].kind, WarningKind::kNotYetSigned);
  EXPECT_THAT(report.warnings[0].detail, HasSubstr("events 1..8 are not yet signed"));
  EXPECT_EQ(report.warnings[1].kind, WarningKind::kNoHeadFile);
}

struct TamperCase {
  std::string name;
  std::string sql;  // run with the guard triggers dropped
  BreakKind kind;
  std::string where;
  int64_t row;
  int64_t event_seq;
  std::string serial;
};

TEST_P(LedgerVerifierTest, ReportsTheFirstBrokenRowOfEachTampering) {
  const std::string swap_4_5 =
      "DROP INDEX ledger_events_by_serial;"
      " CREATE TEMP TABLE t AS SELECT * FROM ledger_events WHERE seq IN (4, 5);"
      " UPDATE ledger_events SET (kind, serial, at, content_sha256, prev_hash, hash) ="
      " (SELECT kind, serial, at, content_sha256, prev_hash, hash FROM t"
      "  WHERE t.seq = 9 - ledger_events.seq) WHERE seq IN (4, 5);";
  const std::vector<TamperCase> cases = {
      {"certificate spiffe_id edited",
       "UPDATE certificates SET spiffe_id = 'spiffe://evil' WHERE serial = '03'",
       BreakKind::kCertificateEdited, "certificates", 3, 3, "03"},
      {"certificate not_after extended",
       "UPDATE certificates SET not_after = not_after + 86400 WHERE serial = '04'",
       BreakKind::kCertificateEdited, "certificates", 4, 4, "04"},
      {"certificate pem replaced",
       "UPDATE certificates SET certificate_pem = 'x' WHERE serial = '06'",
       BreakKind::kCertificateEdited, "certificates", 6, 6, "06"},
      {"revocation reason edited",
       "UPDATE certificates SET revocation_reason = 'oops' WHERE serial = '02'",
       BreakKind::kCertificateEdited, "certificates", 2, 7, "02"},
      {"event time edited", "UPDATE ledger_events SET at = at + 1 WHERE seq = 4",
       BreakKind::kEventEdited, "ledger_events", 4, 4, "04"},
      {"event serial edited", "UPDATE ledger_events SET serial = '09' WHERE seq = 3",
       BreakKind::kEventEdited, "ledger_events", 3, 3, "09"},
      {"event prev_hash edited", "UPDATE ledger_events SET prev_hash = hash WHERE seq = 2",
       BreakKind::kEventEdited, "ledger_events", 2, 2, "02"},
      {"certificate row deleted (middle)", "DELETE FROM certificates WHERE serial = '03'",
       BreakKind::kCertificateDeleted, "certificates", 0, 3, "03"},
      {"event deleted (middle)", "DELETE FROM ledger_events WHERE seq = 3",
       BreakKind::kEventMissing, "ledger_events", 3, 3, ""},
      {"last event deleted (revocation)", "DELETE FROM ledger_events WHERE seq = 8",
       BreakKind::kRevocationWithoutEvent, "certificates", 5, 0, "05"},
      {"events swapped", swap_4_5, BreakKind::kEventsReordered, "ledger_events", 4, 4, "05"},
      {"seq numbers swapped",
       "UPDATE ledger_events SET seq = -4 WHERE seq = 4; UPDATE ledger_events SET seq = 4 WHERE "
       "seq = 5; UPDATE ledger_events SET seq = 5 WHERE seq = -4",
       BreakKind::kEventsReordered, "ledger_events", 4, 4, "05"},
      {"event moved to the end", "UPDATE ledger_events SET seq = 100 WHERE seq = 6",
       BreakKind::kEventMissing, "ledger_events", 6, 6, ""},
      {"revoked without an event",
       "UPDATE certificates SET status = 'revoked', revoked_at = 1750000000 WHERE serial = '04'",
       BreakKind::kRevocationWithoutEvent, "certificates", 4, 0, "04"},
      {"revocation undone",
       "UPDATE certificates SET status = 'active', revoked_at = NULL WHERE serial = '02'",
       BreakKind::kStatusMismatch, "certificates", 2, 7, "02"},
      {"certificate row inserted",
       "INSERT INTO certificates (serial, spiffe_id, kind, issued_at, not_before, not_after,"
       " issuer_serial, issuer_subject, public_key_sha256, key_type, auth_method, auth_principal,"
       " certificate_pem) SELECT 'ff', spiffe_id, kind, issued_at, not_before, not_after,"
       " issuer_serial, issuer_subject, public_key_sha256, key_type, auth_method, auth_principal,"
       " certificate_pem FROM certificates WHERE serial = '01'",
       BreakKind::kCertificateWithoutEvent, "certificates", 7, 0, "ff"},
  };
  for (const TamperCase& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<std::string> copy = CopyStore();
    ASSERT_TRUE(copy.ok()) << copy.status();
    Tamper(c.sql, *copy);
    LedgerVerification report = Verify(*copy);
    ASSERT_FALSE(report.intact());
    const LedgerBreak& b = *report.first_break;
    EXPECT_EQ(BreakKindName(b.kind), std::string(BreakKindName(c.kind))) << b.detail;
    EXPECT_EQ(b.where, c.where) << b.detail;
    EXPECT_EQ(b.row, c.row) << b.detail;
    EXPECT_EQ(b.event_seq, c.event_seq) << b.detail;
    EXPECT_EQ(b.serial_hex, c.serial) << b.detail;
    EXPECT_TRUE(report.warnings.empty());
  }
}

TEST_P(LedgerVerifierTest, ARehashedEventStillBreaksTheLinkAfterIt) {
  // Someone who knows the encoding edits event 3 and recomputes its hash: event 4 no longer
  // chains to it.
  std::unique_ptr<Ledger> ledger = Open({.read_only = true});
  LedgerEvent e = ledger->GetEvent(3).value();
  ledger.reset();
  e.at += std::chrono::hours(1);
  e.hash = EventHash(e).value();
  Tamper(
      absl::StrCat("UPDATE ledger_events SET at = at + 3600, hash = '", e.hash, "' WHERE seq = 3"));
  LedgerVerification report = Verify();
  ASSERT_FALSE(report.intact());
  EXPECT_EQ(report.first_break->kind, BreakKind::kChainMismatch) << report.first_break->detail;
  EXPECT_EQ(report.first_break->row, 4);
  EXPECT_EQ(report.events, 3);
}

TEST_P(LedgerVerifierTest, AForgedDuplicateEventIsReported) {
  AppendForged(EventKind::kIssued, "01", IssuanceDigest(MakeRecord("01")).value());
  LedgerVerification report = Verify();
  ASSERT_FALSE(report.intact());
  EXPECT_EQ(report.first_break->kind, BreakKind::kDuplicateEvent) << report.first_break->detail;
  EXPECT_EQ(report.first_break->row, 9);
  EXPECT_EQ(report.first_break->serial_hex, "01");
}

TEST_P(LedgerVerifierTest, AForgedEventForAMissingRowIsReported) {
  AppendForged(EventKind::kIssued, "77", IssuanceDigest(MakeRecord("77")).value());
  LedgerVerification report = Verify();
  ASSERT_FALSE(report.intact());
  EXPECT_EQ(report.first_break->kind, BreakKind::kCertificateDeleted);
  EXPECT_EQ(report.first_break->event_seq, 9);
}

TEST_P(LedgerVerifierTest, UnreadableHeadFileIsABreak) {
  ASSERT_TRUE(WriteFileAtomically(dir_.File(kLedgerHeadFileName), "{not json").ok());
  LedgerVerification report = Verify();
  ASSERT_FALSE(report.intact());
  EXPECT_EQ(report.first_break->kind, BreakKind::kHeadFileInvalid);
  EXPECT_EQ(report.first_break->where, kLedgerHeadFileName);
}

TEST_P(LedgerVerifierTest, StaysIntactWhileAWriterAppends) {
  std::unique_ptr<Ledger> writer = Open();
  std::atomic<bool> done{false};
  std::thread writing([&] {
    for (int i = 0; i < 200; ++i) {
      const std::string serial = absl::StrCat("1", i);
      ASSERT_TRUE(writer->RecordIssuance(MakeRecord(serial)).ok());
      if (i % 3 == 0) {
        ASSERT_TRUE(writer->RevokeCertificate(serial, "", kBase).ok());
      }
    }
    done = true;
  });
  int64_t last = 0;
  int runs = 0;
  while (!done) {
    LedgerVerification report = Verify();
    ASSERT_TRUE(report.intact()) << report.first_break->detail;
    EXPECT_GE(report.events, last);
    last = report.events;
    ++runs;
  }
  writing.join();
  EXPECT_GT(runs, 1);
  EXPECT_EQ(Verify().events, 8 + 200 + 67);
}

TEST(LedgerVerifierSetupTest, MissingTrustBundleOrLedgerIsAnErrorNotABreak) {
  TempDir dir;
  EXPECT_EQ(LedgerVerifier::Create(
                {dir.File("ledger.db"), dir.File("head.json"), dir.File("root-cert.pem")})
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(WriteFileAtomically(dir.File("root-cert.pem"), "not a certificate").ok());
  EXPECT_EQ(LedgerVerifier::Create(
                {dir.File("ledger.db"), dir.File("head.json"), dir.File("root-cert.pem")})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace svidd::ledger

namespace svidd::ledger {
namespace {

// svidd's start-up check (VerificationScope::kFromNewestCheckpoint) on both engines: the 8
// events above signed by the CA (checkpoint 1 at seq 8, ledger-head.json beside the store),
// then 09 and 0a issued after it (events 9 and 10, certificates rows 7 and 8).
class StartUpVerificationTest : public LedgerVerifierTest {
 protected:
  void SetUp() override {
    LedgerVerifierTest::SetUp();
    if (HasFatalFailure()) return;
    std::unique_ptr<Ledger> ledger = Open();
    ASSERT_NE(ledger, nullptr);
    ca::LedgerCheckpointer checkpointer(*ledger, {dir_.File(kLedgerHeadFileName)});
    ASSERT_TRUE(checkpointer.Checkpoint(TestLedgerAuthority(), kBase + std::chrono::hours(1)).ok());
    ASSERT_TRUE(ledger->RecordIssuance(MakeRecord("09")).ok());
    ASSERT_TRUE(ledger->RecordIssuance(MakeRecord("0a")).ok());
  }
  LedgerVerification VerifyAtStart(const std::string& where = "") {
    return Verify(where, VerificationScope::kFromNewestCheckpoint);
  }
  // `sql` on a copy of the store; the copy's location.
  std::string TamperedCopy(const std::string& sql) {
    absl::StatusOr<std::string> copy = CopyStore();
    EXPECT_TRUE(copy.ok()) << copy.status();
    Tamper(sql, copy.value_or(""));
    return copy.value_or("");
  }
};
SVIDD_INSTANTIATE_FOR_EVERY_ENGINE(StartUpVerificationTest);

TEST_P(StartUpVerificationTest, RecomputesOnlyTheEventsAfterTheNewestCheckpoint) {
  LedgerVerification start = VerifyAtStart();
  ASSERT_TRUE(start.intact()) << start.first_break->detail;
  EXPECT_EQ(start.trusted_up_to, 8);
  EXPECT_EQ(start.events_verified, 2);
  EXPECT_EQ(start.prefix_revocations_checked, 2);  // events 7 and 8: 02 and 05
  EXPECT_EQ(start.events, 10);
  EXPECT_EQ(start.checkpoints, 1);
  EXPECT_EQ(start.last_signed_seq, 8);
  ASSERT_EQ(start.warnings.size(), 1u);
  EXPECT_EQ(start.warnings[0].kind, WarningKind::kNotYetSigned);

  LedgerVerification full = Verify();
  ASSERT_TRUE(full.intact()) << full.first_break->detail;
  EXPECT_EQ(full.trusted_up_to, 0);
  EXPECT_EQ(full.events_verified, 10);
  EXPECT_EQ(full.head_hash, start.head_hash);
}

TEST_P(StartUpVerificationTest, TamperingAfterTheCheckpointOrBehindTheHeadIsCaughtAtStart) {
  const std::vector<TamperCase> cases = {
      {"certificate row edited",
       "UPDATE certificates SET spiffe_id = 'spiffe://evil' WHERE serial = '0a'",
       BreakKind::kCertificateEdited, "certificates", 8, 10, "0a"},
      {"event edited", "UPDATE ledger_events SET at = at + 1 WHERE seq = 9",
       BreakKind::kEventEdited, "ledger_events", 9, 9, "09"},
      {"event deleted", "DELETE FROM ledger_events WHERE seq = 9", BreakKind::kEventMissing,
       "ledger_events", 9, 9, ""},
      {"events reordered",
       "UPDATE ledger_events SET seq = -9 WHERE seq = 9; UPDATE ledger_events SET seq = 9 WHERE "
       "seq = 10; UPDATE ledger_events SET seq = 10 WHERE seq = -9",
       BreakKind::kEventsReordered, "ledger_events", 9, 9, "0a"},
      {"unsigned last event deleted", "DELETE FROM ledger_events WHERE seq = 10",
       BreakKind::kCertificateWithoutEvent, "certificates", 8, 0, "0a"},
      {"a signed row revoked without its event",
       "UPDATE certificates SET status = 'revoked', revoked_at = 1750000000 WHERE serial = '03'",
       BreakKind::kRevocationWithoutEvent, "certificates", 3, 0, "03"},
      // Every revocation event of the signed prefix is checked against its row (migration
      // 0009's index), so a revocation undone before the checkpoint is refused at start.
      {"a signed revocation undone",
       "UPDATE certificates SET status = 'active', revoked_at = NULL WHERE serial = '02'",
       BreakKind::kStatusMismatch, "certificates", 2, 7, "02"},
      {"a signed revocation's time edited",
       "UPDATE certificates SET revoked_at = revoked_at + 1 WHERE serial = '02'",
       BreakKind::kCertificateEdited, "certificates", 2, 7, "02"},
      {"a signed revocation event edited", "UPDATE ledger_events SET at = at + 1 WHERE seq = 7",
       BreakKind::kEventEdited, "ledger_events", 7, 7, "02"},
      {"rolled back to before the checkpoint",
       "DELETE FROM ledger_events WHERE seq >= 5; DELETE FROM ledger_checkpoints",
       BreakKind::kTruncated, kLedgerHeadFileName, 8, 8, ""},
      {"rolled back with the checkpoint kept", "DELETE FROM ledger_events WHERE seq >= 5",
       BreakKind::kTruncated, "ledger_checkpoints", 1, 8, ""},
      {"newest checkpoint re-pointed",
       "UPDATE ledger_checkpoints SET head_hash = (SELECT hash FROM ledger_events WHERE seq = 1),"
       " event_seq = 1",
       BreakKind::kBadSignature, "ledger_checkpoints", 1, 1, ""},
  };
  for (const TamperCase& c : cases) {
    SCOPED_TRACE(c.name);
    LedgerVerification report = VerifyAtStart(TamperedCopy(c.sql));
    ASSERT_FALSE(report.intact());
    const LedgerBreak& b = *report.first_break;
    EXPECT_EQ(BreakKindName(b.kind), std::string(BreakKindName(c.kind))) << b.detail;
    EXPECT_EQ(b.where, c.where) << b.detail;
    EXPECT_EQ(b.row, c.row) << b.detail;
    EXPECT_EQ(b.event_seq, c.event_seq) << b.detail;
    EXPECT_EQ(b.serial_hex, c.serial) << b.detail;
  }
}

// The standard trade-off: start-up trusts what the CA signed (but for its revocations, above);
// the full walk (svidd's background check, `svidctl ledger verify`, `svidctl audit`) is what
// finds any other edit inside the signed prefix.
TEST_P(StartUpVerificationTest, TamperingBeforeTheCheckpointIsLeftToTheFullWalk) {
  const std::vector<TamperCase> cases = {
      {"certificate row edited",
       "UPDATE certificates SET spiffe_id = 'spiffe://evil' WHERE serial = '03'",
       BreakKind::kCertificateEdited, "certificates", 3, 3, "03"},
      {"event edited", "UPDATE ledger_events SET at = at + 1 WHERE seq = 4",
       BreakKind::kEventEdited, "ledger_events", 4, 4, "04"},
      {"events reordered",
       "UPDATE ledger_events SET seq = -4 WHERE seq = 4; UPDATE ledger_events SET seq = 4 WHERE "
       "seq = 5; UPDATE ledger_events SET seq = 5 WHERE seq = -4",
       BreakKind::kEventsReordered, "ledger_events", 4, 4, "05"},
  };
  for (const TamperCase& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string copy = TamperedCopy(c.sql);
    LedgerVerification start = VerifyAtStart(copy);
    EXPECT_TRUE(start.intact()) << start.first_break->detail;
    EXPECT_EQ(start.events_verified, 2);
    LedgerVerification full = Verify(copy);
    ASSERT_FALSE(full.intact());
    EXPECT_EQ(BreakKindName(full.first_break->kind), std::string(BreakKindName(c.kind)))
        << full.first_break->detail;
    EXPECT_EQ(full.first_break->row, c.row) << full.first_break->detail;
  }
}

}  // namespace
}  // namespace svidd::ledger
