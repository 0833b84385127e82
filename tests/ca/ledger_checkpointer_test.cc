// Signed checkpoints of the ledger's chain head: what LedgerCheckpointer signs and when, what
// it refuses to sign, and how LedgerVerifier judges checkpoints and ledger-head.json after
// the sqlite3 tool has been at them.
#include "svidd/ca/ledger_checkpointer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "support/ledger/sqlite_tool.h"
#include "support/ledger/temp_dir.h"
#include "support/pki/external_verify.h"
#include "svidd/common/atomic_file.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/keys.h"
#include "svidd/ledger/event_chain.h"
#include "svidd/ledger/head_file.h"
#include "svidd/ledger/ledger_verifier.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::ca {
namespace {

using ::svidd::testing::MakeTestAuthority;
using ::svidd::testing::RunSqlite3;
using ::svidd::testing::TempDir;
using ::svidd::testing::WithoutGuards;
using ::testing::HasSubstr;

TimePoint WholeSecondsNow() {
  return FromUnixSeconds(ToUnixSeconds(SystemClock::Instance().Now()));
}

ledger::CertificateRecord Record(const std::string& serial, TimePoint at) {
  ledger::CertificateRecord r;
  r.serial_hex = serial;
  r.spiffe_id = "spiffe://cluster.local/ns/default/sa/web";
  r.issued_at = at;
  r.not_before = at;
  r.not_after = at + std::chrono::hours(1);
  r.certificate_pem = "pem " + serial;
  return r;
}

class LedgerCheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(crypto::KeyType::kEcP256); }
  void Start(crypto::KeyType key_type) {
    authority_ = MakeTestAuthority(clock_.Now() - std::chrono::hours(1), key_type).value();
    ASSERT_TRUE(
        WriteFileAtomically(dir_.File("root-cert.pem"), authority_->root_bundle_pem()).ok());
    ledger_ = ledger::OpenSqliteLedger(dir_.File("ledger.db")).value();
    checkpointer_ = NewCheckpointer();
  }
  std::unique_ptr<LedgerCheckpointer> NewCheckpointer() {
    return std::make_unique<LedgerCheckpointer>(
        *ledger_, LedgerCheckpointerOptions{dir_.File(ledger::kLedgerHeadFileName)});
  }
  void Issue(const std::string& serial) {
    ASSERT_TRUE(ledger_->RecordIssuance(Record(serial, clock_.Now())).ok());
  }
  void Sign() { ASSERT_TRUE(checkpointer_->Checkpoint(*authority_, clock_.Now()).ok()); }
  int64_t StoredCheckpoints() {
    return std::stoll(
        RunSqlite3(dir_.File("ledger.db"), "SELECT COUNT(*) FROM ledger_checkpoints").value());
  }
  void Tamper(const std::string& sql) {
    absl::StatusOr<std::string> out = RunSqlite3(dir_.File("ledger.db"), WithoutGuards(sql));
    ASSERT_TRUE(out.ok()) << out.status();
  }
  ledger::LedgerVerification Verify(
      ledger::VerificationScope scope = ledger::VerificationScope::kFull) {
    ledger::LedgerVerifierOptions options{
        dir_.File("ledger.db"), dir_.File(ledger::kLedgerHeadFileName), dir_.File("root-cert.pem")};
    options.scope = scope;
    auto verifier = ledger::LedgerVerifier::Create(std::move(options));
    EXPECT_TRUE(verifier.ok()) << verifier.status();
    auto report = verifier->Verify();
    EXPECT_TRUE(report.ok()) << report.status();
    return report.value_or(ledger::LedgerVerification{});
  }
  // The same break from `svidctl ledger verify` and, unless `full_walk_only`, from svidd's
  // start-up check (which trusts the chain up to the newest checkpoint).
  void ExpectBreak(ledger::BreakKind kind, const std::string& where, int64_t row,
                   bool full_walk_only = false) {
    for (ledger::VerificationScope scope :
         {ledger::VerificationScope::kFull, ledger::VerificationScope::kFromNewestCheckpoint}) {
      if (full_walk_only && scope != ledger::VerificationScope::kFull) continue;
      SCOPED_TRACE(scope == ledger::VerificationScope::kFull ? "full walk"
                                                             : "from the newest checkpoint");
      ledger::LedgerVerification report = Verify(scope);
      ASSERT_FALSE(report.intact());
      EXPECT_EQ(BreakKindName(report.first_break->kind), std::string(BreakKindName(kind)))
          << report.first_break->detail;
      EXPECT_EQ(report.first_break->where, where) << report.first_break->detail;
      EXPECT_EQ(report.first_break->row, row) << report.first_break->detail;
    }
  }

  TempDir dir_;
  FakeClock clock_{WholeSecondsNow()};
  std::shared_ptr<const pki::Authority> authority_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<LedgerCheckpointer> checkpointer_;
};

TEST_F(LedgerCheckpointerTest, SignsTheHeadWithEveryCaKeyType) {
  const std::vector<std::pair<crypto::KeyType, std::string>> cases = {
      {crypto::KeyType::kEcP256, "ecdsa-with-SHA256"},
      {crypto::KeyType::kEcP384, "ecdsa-with-SHA384"},
      {crypto::KeyType::kRsa2048, "sha256WithRSAEncryption"},
      {crypto::KeyType::kEd25519, "ED25519"}};
  for (const auto& [key_type, algorithm] : cases) {
    SCOPED_TRACE(KeyTypeName(key_type));
    checkpointer_.reset();
    ledger_.reset();
    std::filesystem::remove_all(dir_.path());
    std::filesystem::create_directories(dir_.path());
    Start(key_type);
    Issue("01");
    Issue("02");
    ASSERT_TRUE(checkpointer_->MaybeCheckpoint(*authority_, clock_.Now()).ok());
    std::optional<ledger::LedgerCheckpoint> stored = ledger_->LatestCheckpoint().value();
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(stored->event_seq, 2);
    EXPECT_EQ(stored->head_hash, ledger_->GetChainHead()->hash);
    EXPECT_EQ(stored->signed_at, clock_.Now());
    EXPECT_EQ(stored->algorithm, algorithm);
    EXPECT_EQ(HeadFileJson(*stored),
              ReadFileToString(dir_.File(ledger::kLedgerHeadFileName)).value());
    ledger::LedgerVerification report = Verify();
    ASSERT_TRUE(report.intact()) << report.first_break->detail;
    EXPECT_EQ(report.checkpoints, 1);
    EXPECT_EQ(report.last_signed_seq, 2);
    EXPECT_TRUE(report.warnings.empty());
  }
}

TEST_F(LedgerCheckpointerTest, SignsOnlyAMovedHeadAndAtMostOncePerInterval) {
  EXPECT_TRUE(checkpointer_->MaybeCheckpoint(*authority_, clock_.Now()).ok());
  EXPECT_EQ(StoredCheckpoints(), 0) << "nothing to sign in an empty ledger";
  EXPECT_FALSE(std::filesystem::exists(dir_.File(ledger::kLedgerHeadFileName)));

  Issue("01");
  ASSERT_TRUE(checkpointer_->MaybeCheckpoint(*authority_, clock_.Now()).ok());
  EXPECT_EQ(StoredCheckpoints(), 1);
  clock_.Advance(std::chrono::seconds(5));
  ASSERT_TRUE(checkpointer_->MaybeCheckpoint(*authority_, clock_.Now()).ok());
  EXPECT_EQ(StoredCheckpoints(), 1) << "the head did not move";

  Issue("02");
  clock_.Advance(std::chrono::milliseconds(400));
  ASSERT_TRUE(checkpointer_->MaybeCheckpoint(*authority_, clock_.Now()).ok());
  EXPECT_EQ(StoredCheckpoints(), 2) << "5.4s since the last signature";
  Issue("03");
  clock_.Advance(std::chrono::milliseconds(400));
  ASSERT_TRUE(checkpointer_->MaybeCheckpoint(*authority_, clock_.Now()).ok());
  EXPECT_EQ(StoredCheckpoints(), 2) << "0.4s since the last signature";
  clock_.Advance(std::chrono::milliseconds(600));
  ASSERT_TRUE(checkpointer_->MaybeCheckpoint(*authority_, clock_.Now()).ok());
  EXPECT_EQ(StoredCheckpoints(), 3);

  Issue("04");
  Sign();  // at shutdown: regardless of the interval
  EXPECT_EQ(StoredCheckpoints(), 4);
  EXPECT_EQ(checkpointer_->last()->event_seq, 4);
  ledger::LedgerVerification report = Verify();
  ASSERT_TRUE(report.intact()) << report.first_break->detail;
  EXPECT_EQ(report.checkpoints, 4);
}

TEST_F(LedgerCheckpointerTest, UnsignedTailIsAWarningUntilTheNextCheckpoint) {
  Issue("01");
  Sign();
  Issue("02");
  ASSERT_TRUE(ledger_->RevokeCertificate("01", "", clock_.Now()).ok());
  ledger::LedgerVerification report = Verify();
  ASSERT_TRUE(report.intact()) << report.first_break->detail;
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_EQ(report.warnings[0].kind, ledger::WarningKind::kNotYetSigned);
  EXPECT_THAT(report.warnings[0].detail, HasSubstr("events 2..3"));
  Sign();
  EXPECT_TRUE(Verify().warnings.empty());
}

TEST_F(LedgerCheckpointerTest, RefusesToSignATruncatedChain) {
  Issue("01");
  Issue("02");
  Issue("03");
  Sign();
  const std::string head_file = ReadFileToString(dir_.File(ledger::kLedgerHeadFileName)).value();
  Tamper(
      "DELETE FROM ledger_events WHERE seq = 3; DELETE FROM certificates WHERE serial = '03';"
      " DELETE FROM ledger_checkpoints;");
  for (bool restarted : {false, true}) {
    SCOPED_TRACE(restarted ? "after a restart (head file)" : "same process (memory)");
    if (restarted) checkpointer_ = NewCheckpointer();
    absl::Status status = checkpointer_->Checkpoint(*authority_, clock_.Now());
    EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(status.message()), HasSubstr("truncated"));
    EXPECT_EQ(StoredCheckpoints(), 0);
    EXPECT_EQ(ReadFileToString(dir_.File(ledger::kLedgerHeadFileName)).value(), head_file);
  }
  ExpectBreak(ledger::BreakKind::kTruncated, ledger::kLedgerHeadFileName, 3);
}

TEST_F(LedgerCheckpointerTest, RefusesToSignARewrittenChain) {
  Issue("01");
  Issue("02");
  Sign();
  Tamper(
      absl::StrCat("UPDATE ledger_events SET hash = '", std::string(64, 'a'), "' WHERE seq = 2"));
  Issue("03");
  absl::Status status = checkpointer_->Checkpoint(*authority_, clock_.Now());
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()), HasSubstr("rewritten"));
  EXPECT_EQ(StoredCheckpoints(), 1);
}

TEST_F(LedgerCheckpointerTest, RefusesToOverwriteAnUnreadableHeadFile) {
  Issue("01");
  ASSERT_TRUE(WriteFileAtomically(dir_.File(ledger::kLedgerHeadFileName), "garbage").ok());
  absl::Status status = checkpointer_->Checkpoint(*authority_, clock_.Now());
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReadFileToString(dir_.File(ledger::kLedgerHeadFileName)).value(), "garbage");
}

// The checkpoint forms of tampering; each case starts from 01..03 issued, checkpoint 1 at
// seq 2, 03 revoked, checkpoint 2 at seq 4.
class CheckpointTamperTest : public LedgerCheckpointerTest {
 protected:
  void SetUp() override {
    LedgerCheckpointerTest::SetUp();
    Issue("01");
    Issue("02");
    Sign();
    first_head_file_ = ReadFileToString(dir_.File(ledger::kLedgerHeadFileName)).value();
    Issue("03");
    clock_.Advance(std::chrono::seconds(1));
    ASSERT_TRUE(ledger_->RevokeCertificate("03", "retired", clock_.Now()).ok());
    Sign();
  }
  std::string first_head_file_;
};

TEST_F(CheckpointTamperTest, IntactWithBothCheckpointsVerified) {
  ledger::LedgerVerification report = Verify();
  ASSERT_TRUE(report.intact()) << report.first_break->detail;
  EXPECT_EQ(report.checkpoints, 2);
  EXPECT_EQ(report.last_signed_seq, 4);
  EXPECT_EQ(report.last_signed_at, clock_.Now());
  // At start-up: the newest checkpoint is checked, nothing after it is left to walk.
  ledger::LedgerVerification start = Verify(ledger::VerificationScope::kFromNewestCheckpoint);
  ASSERT_TRUE(start.intact()) << start.first_break->detail;
  EXPECT_EQ(start.checkpoints, 1);
  EXPECT_EQ(start.trusted_up_to, 4);
  EXPECT_EQ(start.events_verified, 0);
  EXPECT_EQ(start.last_signed_seq, 4);
}

TEST_F(CheckpointTamperTest, LastEventDeletedIsATruncationAfterTheCheckpoint) {
  Tamper(
      "DELETE FROM ledger_events WHERE seq = 4;"
      " UPDATE certificates SET status = 'active', revoked_at = NULL WHERE serial = '03'");
  ExpectBreak(ledger::BreakKind::kTruncated, "ledger_checkpoints", 2);
}

TEST_F(CheckpointTamperTest, CheckpointRowsDeletedAndTruncatedIsCaughtByTheHeadFile) {
  Tamper(
      "DELETE FROM ledger_events WHERE seq >= 3; DELETE FROM certificates WHERE serial = '03';"
      " DELETE FROM ledger_checkpoints");
  ExpectBreak(ledger::BreakKind::kTruncated, ledger::kLedgerHeadFileName, 4);
}

TEST_F(CheckpointTamperTest, CheckpointRowsDeletedAloneAreMissed) {
  Tamper("DELETE FROM ledger_checkpoints WHERE id = 2");
  ExpectBreak(ledger::BreakKind::kCheckpointMissing, ledger::kLedgerHeadFileName, 4);
}

TEST_F(CheckpointTamperTest, HeadFileDeletedIsABreakOnceCheckpointsExist) {
  std::filesystem::remove(dir_.File(ledger::kLedgerHeadFileName));
  ExpectBreak(ledger::BreakKind::kHeadFileMissing, ledger::kLedgerHeadFileName, 0);
}

TEST_F(CheckpointTamperTest, HeadFileOlderThanTheLatestCheckpointIsAWarning) {
  // What a crash between the database write and the file write leaves behind.
  ASSERT_TRUE(WriteFileAtomically(dir_.File(ledger::kLedgerHeadFileName), first_head_file_).ok());
  ledger::LedgerVerification report = Verify();
  ASSERT_TRUE(report.intact()) << report.first_break->detail;
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_EQ(report.warnings[0].kind, ledger::WarningKind::kHeadFileBehind);
}

TEST_F(CheckpointTamperTest, ChainRewrittenUnderACheckpointIsAMismatch) {
  // Event 4 re-hashed consistently (as someone who knows the encoding would): the walk is
  // happy up to it, but checkpoint 2 signed the old hash.
  ledger::LedgerEvent e = ledger_->GetEvent(4).value();
  e.at += std::chrono::seconds(1);
  e.hash = EventHash(e).value();
  Tamper(absl::StrCat("UPDATE ledger_events SET at = at + 1, hash = '", e.hash, "' WHERE seq = 4"));
  ExpectBreak(ledger::BreakKind::kCheckpointMismatch, "ledger_checkpoints", 2);
}

TEST_F(CheckpointTamperTest, SignatureOrAlgorithmEditedIsABadSignature) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"signature",
       "UPDATE ledger_checkpoints SET signature = replace(signature, substr(signature,"
       " 20, 1), CASE substr(signature, 20, 1) WHEN '0' THEN '1' ELSE '0' END)"
       " WHERE id = 1"},
      {"head hash",
       "UPDATE ledger_checkpoints SET head_hash = (SELECT hash FROM ledger_events"
       " WHERE seq = 1), event_seq = 1 WHERE id = 1"},
      {"algorithm", "UPDATE ledger_checkpoints SET algorithm = 'ED25519' WHERE id = 1"},
      {"not hex", "UPDATE ledger_checkpoints SET signature = 'zz' WHERE id = 1"},
  };
  checkpointer_.reset();
  ledger_.reset();  // its last connection folds the WAL into the file
  const std::string pristine = ReadFileToString(dir_.File("ledger.db")).value();
  for (const auto& [name, sql] : cases) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(WriteFileAtomically(dir_.File("ledger.db"), pristine).ok());
    Tamper(sql);
    // Checkpoint 1 is inside the prefix that checkpoint 2 signs: start-up trusts it.
    ExpectBreak(ledger::BreakKind::kBadSignature, "ledger_checkpoints", 1, /*full_walk_only=*/true);
    EXPECT_TRUE(Verify(ledger::VerificationScope::kFromNewestCheckpoint).intact());
  }
}

TEST_F(CheckpointTamperTest, NewestSignatureEditedIsABadSignatureAtStartToo) {
  Tamper(
      "UPDATE ledger_checkpoints SET signature = replace(signature, substr(signature,"
      " 20, 1), CASE substr(signature, 20, 1) WHEN '0' THEN '1' ELSE '0' END) WHERE id = 2");
  ExpectBreak(ledger::BreakKind::kBadSignature, "ledger_checkpoints", 2);
}

TEST_F(CheckpointTamperTest, NewestCheckpointUnreadableIsABadSignatureAtStartToo) {
  Tamper("UPDATE ledger_checkpoints SET signature = 'zz' WHERE id = 2");
  ExpectBreak(ledger::BreakKind::kBadSignature, "ledger_checkpoints", 2);
}

TEST_F(CheckpointTamperTest, ACheckpointReSignedWithAForeignKeyIsUntrusted) {
  // Someone rewrites the tail and signs it again with a CA of their own making.
  std::shared_ptr<const pki::Authority> foreign =
      MakeTestAuthority(clock_.Now() - std::chrono::hours(1)).value();
  Tamper("DELETE FROM ledger_checkpoints");
  std::filesystem::remove(dir_.File(ledger::kLedgerHeadFileName));
  LedgerCheckpointer forger(*ledger_,
                            LedgerCheckpointerOptions{dir_.File(ledger::kLedgerHeadFileName)});
  ASSERT_TRUE(forger.Checkpoint(*foreign, clock_.Now()).ok());
  ExpectBreak(ledger::BreakKind::kUntrustedSigner, "ledger_checkpoints", 3);
  EXPECT_THAT(Verify().first_break->detail, HasSubstr("not signed under the trust bundle"));
}

}  // namespace
}  // namespace svidd::ca
