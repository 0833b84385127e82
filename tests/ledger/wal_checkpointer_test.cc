// The WAL is checkpointed off the writer's thread, and stays bounded.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "ledger/ledger_test_util.h"
#include "ledger/sqlite_ledger_impl.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::ledger {
namespace {

using ::svidd::testing::MakeRecord;
using ::svidd::testing::OpenTestLedger;
using ::svidd::testing::TempDir;
using ::svidd::testing::TestSerial;

// Polls `done` until it holds or 20 s pass (the checkpointer's thread runs on its own time).
template <typename Predicate>
bool Eventually(Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

TEST(WalCheckpointerTest, TheCheckpointerThreadCopiesTheWalNotTheWriter) {
  TempDir dir;
  const std::filesystem::path db = dir.File("ledger.db");
  int written = 0;
  {
    auto ledger = OpenTestLedger(
        db, {.wal_checkpoint = {
                 .passive_frames = 20, .restart_frames = 1 << 20, .writer_frames = 1 << 20}});
    ASSERT_NE(ledger, nullptr);
    ASSERT_TRUE(Eventually([&] {
      if (written < 2000) {
        EXPECT_TRUE(ledger->RecordIssuance(MakeRecord(TestSerial(written++))).ok());
      }
      return ledger->wal_checkpoint_stats().passive > 0;
    }));
    const internal::WalCheckpointStats stats = ledger->wal_checkpoint_stats();
    EXPECT_EQ(stats.by_writer, 0u);
    EXPECT_EQ(stats.failed, 0u);
    EXPECT_GE(stats.largest_wal_frames, 20);
  }
  auto reopened = OpenTestLedger(db, {.read_only = true});
  EXPECT_EQ(reopened->ListCertificates({})->size(), static_cast<size_t>(written));
  EXPECT_TRUE(testing::VerifyLedgerFile(db).intact());
}

TEST(WalCheckpointerTest, ARestartStartsTheWalOverUnderSteadyWrites) {
  TempDir dir;
  auto ledger = OpenTestLedger(
      dir.File("ledger.db"),
      {.wal_checkpoint = {.passive_frames = 10, .restart_frames = 10, .writer_frames = 1 << 20}});
  ASSERT_NE(ledger, nullptr);
  int written = 0;
  ASSERT_TRUE(Eventually([&] {
    if (written < 4000) {
      EXPECT_TRUE(ledger->RecordIssuance(MakeRecord(TestSerial(written++))).ok());
    }
    return ledger->wal_checkpoint_stats().restart > 0;
  }));
  const internal::WalCheckpointStats stats = ledger->wal_checkpoint_stats();
  EXPECT_EQ(stats.failed, 0u);
  EXPECT_EQ(stats.by_writer, 0u);
}

// With the checkpointer never asked (a huge PASSIVE threshold), the writer's own backstop keeps
// the WAL file under writer_frames plus one transaction's frames.
TEST(WalCheckpointerTest, TheWritersBackstopBoundsTheWal) {
  TempDir dir;
  const std::filesystem::path db = dir.File("ledger.db");
  constexpr int kWriterFrames = 40;
  auto ledger = OpenTestLedger(db, {.wal_checkpoint = {.passive_frames = 1 << 20,
                                                       .restart_frames = 1 << 20,
                                                       .writer_frames = kWriterFrames}});
  ASSERT_NE(ledger, nullptr);
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(ledger->RecordIssuance(MakeRecord(TestSerial(i))).ok());
  }
  const internal::WalCheckpointStats stats = ledger->wal_checkpoint_stats();
  EXPECT_GT(stats.by_writer, 0u);
  EXPECT_EQ(stats.passive, 0u);
  // The hook saw at most the bound plus one commit's frames (the commit that crossed it).
  EXPECT_LT(stats.largest_wal_frames, kWriterFrames + 40);
  // And the file itself: frames of (page + 24-byte header) after a 32-byte WAL header.
  const std::uintmax_t wal_bytes = std::filesystem::file_size(db.string() + "-wal");
  EXPECT_LE(wal_bytes, 32u + static_cast<std::uintmax_t>(kWriterFrames + 40) * (4096 + 24));
}

}  // namespace
}  // namespace svidd::ledger
