// The verifier's private copies of a SQLite ledger (src/ledger/scratch_copy.h): walking a copy
// lets the live file's WAL start over while the walk runs, and a copy whose process died is
// cleaned up by the next one.
#include "ledger/scratch_copy.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/ledger_test_util.h"
#include "support/ledger/sqlite_tool.h"
#include "support/ledger/temp_dir.h"
#include "svidd/common/atomic_file.h"
#include "svidd/ledger/head_file.h"
#include "svidd/ledger/ledger_verifier.h"

namespace svidd::ledger {
namespace {

using ::svidd::ledger::internal::ScratchCopy;
using ::svidd::testing::MakeRecord;
using ::svidd::testing::OpenTestLedger;
using ::svidd::testing::TempDir;
using ::svidd::testing::TestLedgerAuthority;

// What `PRAGMA wal_checkpoint(TRUNCATE)` on the live file said: busy = 1 when a reader's
// transaction kept the WAL from being started over.
struct CheckpointOutcome {
  int busy = -1;
  int wal_frames = -1;
};

CheckpointOutcome TruncateWal(const std::filesystem::path& db_path) {
  sqlite3* db = nullptr;
  CheckpointOutcome out;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 0);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA wal_checkpoint(TRUNCATE)", -1, &stmt, nullptr) ==
            SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      out.busy = sqlite3_column_int(stmt, 0);
      out.wal_frames = sqlite3_column_int(stmt, 1);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return out;
}

class WalkACopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ledger_ = OpenTestLedger(dir_.File("ledger.db"));
    ASSERT_NE(ledger_, nullptr);
    for (int i = 1; i <= 20; ++i) {
      ASSERT_TRUE(ledger_->RecordIssuance(MakeRecord(absl::StrCat("a", i))).ok());
    }
    ASSERT_TRUE(
        WriteFileAtomically(dir_.File("root-cert.pem"), TestLedgerAuthority().root_bundle_pem())
            .ok());
  }

  // Verifies the ledger; at each look at stop_requested (one before the walk's first event),
  // tries to start the live WAL over. What the last try said.
  CheckpointOutcome VerifyTryingToTruncate(bool walk_a_copy, LedgerVerification& report) {
    LedgerVerifierOptions options{dir_.File("ledger.db"), dir_.File(kLedgerHeadFileName),
                                  dir_.File("root-cert.pem")};
    options.walk_a_copy = walk_a_copy;
    options.scratch_dir = dir_.path();
    std::vector<CheckpointOutcome> tries;
    options.stop_requested = [&] {
      tries.push_back(TruncateWal(dir_.File("ledger.db")));
      return false;
    };
    absl::StatusOr<LedgerVerifier> verifier = LedgerVerifier::Create(std::move(options));
    EXPECT_TRUE(verifier.ok()) << verifier.status();
    absl::StatusOr<LedgerVerification> verified = verifier->Verify();
    EXPECT_TRUE(verified.ok()) << verified.status();
    if (verified.ok()) report = *verified;
    EXPECT_FALSE(tries.empty());
    return tries.empty() ? CheckpointOutcome{} : tries.back();
  }

  TempDir dir_;
  std::unique_ptr<internal::SqliteLedger> ledger_;
};

TEST_F(WalkACopyTest, TheLiveWalStartsOverWhileACopyIsWalked) {
  LedgerVerification report;
  const CheckpointOutcome during = VerifyTryingToTruncate(/*walk_a_copy=*/true, report);
  EXPECT_TRUE(report.intact()) << report.first_break->detail;
  EXPECT_EQ(report.events, 20);
  EXPECT_EQ(during.busy, 0);
  EXPECT_EQ(during.wal_frames, 0);
  EXPECT_EQ(std::filesystem::file_size(dir_.File("ledger.db-wal")), 0u);
  // The copy's directory is gone.
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    EXPECT_EQ(entry.path().filename().string().rfind("ledger-verify-", 0), std::string::npos)
        << entry.path();
  }
}

// The reason for the copy: a walk of the live file holds its read transaction throughout.
TEST_F(WalkACopyTest, AWalkOfTheLiveFileKeepsTheWalFromStartingOver) {
  LedgerVerification report;
  const CheckpointOutcome during = VerifyTryingToTruncate(/*walk_a_copy=*/false, report);
  EXPECT_TRUE(report.intact()) << report.first_break->detail;
  EXPECT_EQ(during.busy, 1);
}

TEST_F(WalkACopyTest, AnEditIsFoundInTheCopyToo) {
  ledger_.reset();
  absl::StatusOr<std::string> edited = ::svidd::testing::RunSqlite3(
      dir_.File("ledger.db"),
      ::svidd::testing::WithoutGuards(
          "UPDATE certificates SET spiffe_id = 'spiffe://x/edited' WHERE serial = 'a7'"));
  ASSERT_TRUE(edited.ok()) << edited.status();
  LedgerVerification report;
  VerifyTryingToTruncate(/*walk_a_copy=*/true, report);
  ASSERT_FALSE(report.intact());
  EXPECT_EQ(report.first_break->kind, BreakKind::kCertificateEdited);
  EXPECT_EQ(report.first_break->serial_hex, "a7");
}

TEST(ScratchCopyTest, IsAPrivateDirectoryRemovedWithTheObject) {
  TempDir scratch;
  std::filesystem::path dir;
  {
    absl::StatusOr<ScratchCopy> copy = ScratchCopy::Create(scratch.path());
    ASSERT_TRUE(copy.ok()) << copy.status();
    dir = copy->dir();
    struct stat st {};
    ASSERT_EQ(stat(dir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0700u);
    EXPECT_EQ(copy->file(), dir / "ledger.db");
  }
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_EQ(ScratchCopy::Create("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ScratchCopyTest, ACopyWhoseProcessDiedIsRemovedAndALiveOneIsKept) {
  TempDir scratch;
  absl::StatusOr<ScratchCopy> alive = ScratchCopy::Create(scratch.path());
  ASSERT_TRUE(alive.ok()) << alive.status();
  // A process that dies mid-walk: its directory stays, its lock goes with it.
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    absl::StatusOr<ScratchCopy> orphan = ScratchCopy::Create(scratch.path());
    if (!orphan.ok()) _exit(1);
    std::ofstream(orphan->file()) << "a ledger's worth of bytes";
    _exit(0);  // no destructors: as if killed
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  // One an older svidd left without a lock file (removed once old), and one being made now.
  const std::filesystem::path old_unlocked = scratch.File("ledger-verify-older1");
  const std::filesystem::path new_unlocked = scratch.File("ledger-verify-newer1");
  std::filesystem::create_directory(old_unlocked);
  std::filesystem::create_directory(new_unlocked);
  std::filesystem::last_write_time(
      old_unlocked, std::filesystem::file_time_type::clock::now() - std::chrono::hours(1));
  int before = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(scratch.path())) {
    ++before;
  }
  ASSERT_EQ(before, 4);

  EXPECT_EQ(ScratchCopy::RemoveAbandoned(scratch.path()), 2);
  std::vector<std::string> left;
  for (const auto& e : std::filesystem::directory_iterator(scratch.path())) {
    left.push_back(e.path().filename().string());
  }
  std::sort(left.begin(), left.end());
  std::vector<std::string> expected = {alive->dir().filename().string(), "ledger-verify-newer1"};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(left, expected);
}

}  // namespace
}  // namespace svidd::ledger
