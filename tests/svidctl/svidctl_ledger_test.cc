// The real `svidctl ledger verify` against a ledger of real certificates with signed
// checkpoints, before and after the sqlite3 tool has been at it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "support/ledger/sqlite_tool.h"
#include "support/ledger/temp_dir.h"
#include "support/pki/external_verify.h"
#include "svidctl/svidctl_test_util.h"
#include "svidd/ca/ledger_checkpointer.h"
#include "svidd/common/atomic_file.h"
#include "svidd/common/time_format.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::testing {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

const std::vector<std::string> kSerials = {"0a01", "0a02", "0a03", "0a04", "0a05"};

// Events: 0a01..0a04 issued (1..4), checkpoint 1 at seq 4; 0a02 revoked (5), 0a05 issued
// (6), checkpoint 2 at seq 6. certificates.seq follows the serials (1..5).
class SvidctlLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const TimePoint now = FromUnixSeconds(ToUnixSeconds(SystemClock::Instance().Now()));
    authority_ = MakeTestAuthority(now - std::chrono::hours(2)).value();
    ASSERT_TRUE(EnsureDirectory(data_.File("ca")).ok());
    ASSERT_TRUE(
        WriteFileAtomically(data_.File("ca") / "root-cert.pem", authority_->root_bundle_pem())
            .ok());
    std::unique_ptr<ledger::Ledger> ledger =
        ledger::OpenSqliteLedger(data_.File("ledger.db")).value();
    ca::LedgerCheckpointer checkpointer(
        *ledger, ca::LedgerCheckpointerOptions{data_.File(ledger::kLedgerHeadFileName)});
    for (int i = 0; i < 5; ++i) {
      if (i == 4) {
        ASSERT_TRUE(checkpointer.Checkpoint(*authority_, now - std::chrono::minutes(10)).ok());
        ASSERT_TRUE(ledger->RevokeCertificate("0a02", "key compromise", now).ok());
      }
      const std::string id = absl::StrCat("spiffe://cluster.local/ns/default/sa/w", i);
      auto record = IssueRecord(*authority_, kSerials[i], id, now - std::chrono::minutes(30 - i),
                                now + std::chrono::hours(1));
      ASSERT_TRUE(record.ok()) << record.status();
      ASSERT_TRUE(ledger->RecordIssuance(*record).ok());
    }
    ASSERT_TRUE(checkpointer.Checkpoint(*authority_, now).ok());
  }

  CommandResult Verify(const std::filesystem::path& data_dir, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"ledger", "verify", "--data-dir", data_dir.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunSvidctl(args);
  }

  TempDir data_;
  std::shared_ptr<const pki::Authority> authority_;
};

TEST_F(SvidctlLedgerTest, IntactLedgerExitsZeroInBothFormats) {
  CommandResult table = Verify(data_.path());
  ASSERT_EQ(table.exit_code, 0) << table.err << table.out;
  EXPECT_THAT(table.out, HasSubstr("Status:        intact"));
  EXPECT_THAT(table.out, HasSubstr("Certificates:  5"));
  EXPECT_THAT(table.out, HasSubstr("Checkpoints:   2 verified; latest covers seq 6"));
  EXPECT_EQ(table.err, "");

  CommandResult js = Verify(data_.path(), {"--output", "json"});
  ASSERT_EQ(js.exit_code, 0) << js.err;
  json report = json::parse(js.out);
  EXPECT_EQ(report["intact"], true);
  EXPECT_EQ(report["events"], 6);
  EXPECT_EQ(report["certificates"], 5);
  EXPECT_EQ(report["checkpoints"], 2);
  EXPECT_EQ(report["last_signed_seq"], 6);
  EXPECT_TRUE(report["first_break"].is_null());
  EXPECT_EQ(report["warnings"], json::array());
}

TEST_F(SvidctlLedgerTest, SinceCheckpointChecksWhatSviddChecksAtStart) {
  CommandResult js = Verify(data_.path(), {"--since-checkpoint", "--output", "json"});
  ASSERT_EQ(js.exit_code, 0) << js.err;
  json report = json::parse(js.out);
  EXPECT_EQ(report["intact"], true);
  EXPECT_EQ(report["trusted_up_to"], 6);
  EXPECT_EQ(report["events_verified"], 0);
  EXPECT_EQ(report["prefix_revocations_checked"], 1);  // 0a02's, event 5
  EXPECT_EQ(report["events"], 6);
  json full = json::parse(Verify(data_.path(), {"--output", "json"}).out);
  EXPECT_EQ(full["trusted_up_to"], 0);
  EXPECT_EQ(full["events_verified"], 6);

  CommandResult table = Verify(data_.path(), {"--since-checkpoint"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("Trusted:       events 1..6 (signed); 0 after them recomputed, "
                                   "1 revocation(s) in them checked"));
  EXPECT_THAT(table.out, HasSubstr("Certificates:  not counted"));
}

struct TamperCase {
  std::string name;
  std::string sql;  // run with the guard triggers dropped
  std::string kind, where;
  int64_t row;
};

TEST_F(SvidctlLedgerTest, EachTamperingIsReportedAtItsFirstBrokenRow) {
  const std::vector<TamperCase> cases = {
      {"certificate row edited",
       "UPDATE certificates SET spiffe_id = 'spiffe://cluster.local/ns/kube-system/sa/admin'"
       " WHERE serial = '0a03'",
       "certificate_edited", "certificates", 3},
      {"event edited", "UPDATE ledger_events SET at = at - 60 WHERE seq = 2", "event_edited",
       "ledger_events", 2},
      {"certificate row deleted (middle)", "DELETE FROM certificates WHERE serial = '0a03'",
       "certificate_deleted", "certificates", 0},
      {"event deleted (middle)", "DELETE FROM ledger_events WHERE seq = 3", "event_missing",
       "ledger_events", 3},
      {"last rows deleted after the checkpoint",
       "DELETE FROM ledger_events WHERE seq = 6; DELETE FROM certificates WHERE serial = '0a05'",
       "truncated", "ledger_checkpoints", 2},
      {"events reordered",
       "DROP INDEX ledger_events_by_serial; UPDATE ledger_events SET seq = -3 WHERE seq = 3;"
       " UPDATE ledger_events SET seq = 3 WHERE seq = 4;"
       " UPDATE ledger_events SET seq = 4 WHERE seq = -3",
       "events_reordered", "ledger_events", 3},
      {"revoked without an event",
       "UPDATE certificates SET status = 'revoked', revoked_at = 1, revocation_reason = 'x'"
       " WHERE serial = '0a04'",
       "revocation_without_event", "certificates", 4},
      {"revocation undone",
       "UPDATE certificates SET status = 'active', revoked_at = NULL WHERE serial = '0a02'",
       "status_mismatch", "certificates", 2},
      {"checkpoints deleted and the log truncated",
       "DELETE FROM ledger_checkpoints; DELETE FROM ledger_events WHERE seq >= 5;"
       " DELETE FROM certificates WHERE serial = '0a05';"
       " UPDATE certificates SET status = 'active', revoked_at = NULL WHERE serial = '0a02'",
       "truncated", "ledger-head.json", 6},
  };
  for (const TamperCase& c : cases) {
    SCOPED_TRACE(c.name);
    TempDir copy;
    std::filesystem::copy(data_.path(), copy.path(), std::filesystem::copy_options::recursive);
    absl::StatusOr<std::string> tampered = RunSqlite3(copy.File("ledger.db"), WithoutGuards(c.sql));
    ASSERT_TRUE(tampered.ok()) << tampered.status();

    CommandResult r = Verify(copy.path(), {"-o", "json"});
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_THAT(r.err, HasSubstr("svidctl: ledger is broken at " + c.where));
    json report = json::parse(r.out);
    EXPECT_EQ(report["intact"], false);
    EXPECT_EQ(report["first_break"]["kind"], c.kind) << report["first_break"]["detail"];
    EXPECT_EQ(report["first_break"]["where"], c.where) << report["first_break"]["detail"];
    EXPECT_EQ(report["first_break"]["row"], c.row) << report["first_break"]["detail"];

    CommandResult table = Verify(copy.path());
    EXPECT_EQ(table.exit_code, 1);
    EXPECT_THAT(table.out, HasSubstr("Status:        BROKEN"));
    EXPECT_THAT(table.out, HasSubstr("First break:   " + c.where));
  }
}

TEST_F(SvidctlLedgerTest, ACheckpointReSignedWithAForeignKeyIsRefused) {
  std::shared_ptr<const pki::Authority> foreign =
      MakeTestAuthority(SystemClock::Instance().Now() - std::chrono::hours(1)).value();
  ASSERT_TRUE(RunSqlite3(data_.File("ledger.db"),
                         WithoutGuards("UPDATE certificates SET not_after = not_after + 31536000"
                                       " WHERE serial = '0a05'; DELETE FROM ledger_checkpoints"))
                  .ok());
  std::filesystem::remove(data_.File(ledger::kLedgerHeadFileName));
  {
    std::unique_ptr<ledger::Ledger> ledger =
        ledger::OpenSqliteLedger(data_.File("ledger.db")).value();
    ca::LedgerCheckpointer forger(
        *ledger, ca::LedgerCheckpointerOptions{data_.File(ledger::kLedgerHeadFileName)});
    absl::Status forged = forger.Checkpoint(*foreign, SystemClock::Instance().Now());
    ASSERT_TRUE(forged.ok()) << forged;
  }
  CommandResult r = Verify(data_.path(), {"-o", "json"});
  EXPECT_EQ(r.exit_code, 1);
  json report = json::parse(r.out);
  EXPECT_EQ(report["first_break"]["kind"], "certificate_edited");  // found first, at seq 6
  // With the edit undone, the forged checkpoint itself is what breaks.
  ASSERT_TRUE(RunSqlite3(data_.File("ledger.db"),
                         WithoutGuards("UPDATE certificates SET not_after = not_after - 31536000"
                                       " WHERE serial = '0a05'"))
                  .ok());
  r = Verify(data_.path(), {"-o", "json"});
  EXPECT_EQ(r.exit_code, 1);
  report = json::parse(r.out);
  EXPECT_EQ(report["first_break"]["kind"], "untrusted_signer") << report["first_break"]["detail"];
  EXPECT_EQ(report["first_break"]["where"], "ledger_checkpoints");
  EXPECT_EQ(report["first_break"]["row"], 3);
}

TEST_F(SvidctlLedgerTest, TrustBundleComesFromTheCaDir) {
  TempDir other_ca;
  std::shared_ptr<const pki::Authority> other =
      MakeTestAuthority(SystemClock::Instance().Now() - std::chrono::hours(1)).value();
  ASSERT_TRUE(WriteFileAtomically(other_ca.File("root-cert.pem"), other->root_bundle_pem()).ok());
  CommandResult r = Verify(data_.path(), {"--ca-dir", other_ca.path().string(), "-o", "json"});
  EXPECT_EQ(r.exit_code, 1);
  json report = json::parse(r.out);
  EXPECT_EQ(report["first_break"]["kind"], "untrusted_signer");
  EXPECT_EQ(report["first_break"]["row"], 1);

  // Several roots in the bundle: either may vouch.
  ASSERT_TRUE(WriteFileAtomically(other_ca.File("root-cert.pem"),
                                  other->root_bundle_pem() + authority_->root_bundle_pem())
                  .ok());
  EXPECT_EQ(Verify(data_.path(), {"--ca-dir", other_ca.path().string()}).exit_code, 0);
}

TEST_F(SvidctlLedgerTest, WhatCannotBeVerifiedIsAnErrorOnStderr) {
  TempDir empty;
  CommandResult no_bundle = Verify(empty.path());
  EXPECT_EQ(no_bundle.exit_code, 1);
  EXPECT_THAT(no_bundle.err, HasSubstr("root-cert.pem"));
  EXPECT_EQ(no_bundle.out, "");
  std::filesystem::copy(data_.File("ca"), empty.File("ca"));
  CommandResult no_ledger = Verify(empty.path());
  EXPECT_EQ(no_ledger.exit_code, 1);
  EXPECT_THAT(no_ledger.err, HasSubstr("no ledger at"));
  EXPECT_FALSE(std::filesystem::exists(empty.File("ledger.db")));
}

TEST_F(SvidctlLedgerTest, HelpShowsTheCommand) {
  CommandResult r = RunSvidctl({"ledger", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("verify"));
  EXPECT_THAT(RunSvidctl({"--help"}).out, HasSubstr("ledger"));
}

}  // namespace
}  // namespace svidd::testing
