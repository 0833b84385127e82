// Group commit, durability and sharing one file between several Ledger instances.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include "ledger/ledger_test_util.h"
#include "ledger/sqlite_connection.h"
#include "ledger/sqlite_ledger_impl.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::ledger {
namespace {

using ::svidd::testing::kBaseUnix;
using ::svidd::testing::MakeRecord;
using ::svidd::testing::OpenTestLedger;
using ::svidd::testing::TempDir;
using ::svidd::testing::TestSerial;

using ::svidd::testing::kBase;

// Counts down; Wait() returns when every expected callback has run.
class Latch {
 public:
  explicit Latch(int n) : n_(n) {}
  void CountDown() {
    std::lock_guard<std::mutex> lock(mu_);
    if (--n_ == 0) cv_.notify_all();
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return n_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int n_;
};

// Holds the database's write lock from a separate connection until Release().
class WriteLockHolder {
 public:
  explicit WriteLockHolder(const std::filesystem::path& path) {
    conn_ = internal::OpenDatabase(path, {}).value();
    EXPECT_TRUE(internal::Exec(conn_.get(), "BEGIN IMMEDIATE").ok());
  }
  void Release() { EXPECT_TRUE(internal::Exec(conn_.get(), "ROLLBACK").ok()); }

 private:
  internal::SqliteDbPtr conn_;
};

TEST(GroupCommitTest, ConcurrentRecordsAreAllDurableAndShareCommits) {
  TempDir dir;
  constexpr int kThreads = 8, kPerThread = 25, kTotal = kThreads * kPerThread;
  {
    auto ledger = OpenTestLedger(dir.File("ledger.db"));
    Latch latch(kTotal);
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          ledger->RecordIssuanceAsync(MakeRecord(TestSerial(t * kPerThread + i)),
                                      [&](absl::Status s) {
                                        if (!s.ok()) ++failures;
                                        latch.CountDown();
                                      });
        }
      });
    }
    for (auto& t : threads) t.join();
    latch.Wait();
    EXPECT_EQ(failures.load(), 0);
    internal::WriterStats stats = ledger->writer_stats();
    EXPECT_EQ(stats.records_committed, static_cast<uint64_t>(kTotal));
    EXPECT_LT(stats.commits, static_cast<uint64_t>(kTotal)) << "no batching happened";
    EXPECT_GT(stats.largest_batch, 1u);
  }
  auto reopened = OpenTestLedger(dir.File("ledger.db"), {.read_only = true});
  EXPECT_EQ(reopened->ListCertificates({})->size(), static_cast<size_t>(kTotal));
}

TEST(GroupCommitTest, DuplicateFailsAloneWithinItsBatch) {
  TempDir dir;
  auto ledger = OpenTestLedger(dir.File("ledger.db"));
  ASSERT_TRUE(ledger->RecordIssuance(MakeRecord("aa")).ok());

  // Park the writer on BEGIN IMMEDIATE so the next records queue up into one batch.
  WriteLockHolder lock(dir.File("ledger.db"));
  const std::vector<std::string> serials = {"b0", "b1", "aa", "b2", "b2", "b3"};
  std::vector<absl::Status> outcomes(serials.size() + 1);
  Latch latch(static_cast<int>(outcomes.size()));
  auto enqueue = [&](size_t slot, const std::string& serial) {
    ledger->RecordIssuanceAsync(MakeRecord(serial), [&, slot](absl::Status s) {
      outcomes[slot] = s;
      latch.CountDown();
    });
  };
  enqueue(0, "a0");  // the writer takes this one and waits for the lock
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (ledger->writer_stats().batches_taken < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(ledger->writer_stats().batches_taken, 2u) << "the writer took a0 alone";
  for (size_t i = 0; i < serials.size(); ++i) enqueue(i + 1, serials[i]);
  lock.Release();
  latch.Wait();

  const std::vector<absl::StatusCode> want = {
      absl::StatusCode::kOk, absl::StatusCode::kOk,
      absl::StatusCode::kOk, absl::StatusCode::kAlreadyExists,
      absl::StatusCode::kOk, absl::StatusCode::kAlreadyExists,
      absl::StatusCode::kOk};
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(outcomes[i].code(), want[i]) << outcomes[i];
  }
  EXPECT_GE(ledger->writer_stats().largest_batch, serials.size());
  EXPECT_EQ(ledger->ListCertificates({})->size(), 6u);  // aa, a0, b0..b3
  EXPECT_EQ(ledger->writer_stats().records_failed, 2u);
}

TEST(GroupCommitTest, FailedTransactionFailsEveryRecordAndCommitsNothing) {
  TempDir dir;
  auto ledger =
      OpenTestLedger(dir.File("ledger.db"), {.busy_timeout = std::chrono::milliseconds(50)});
  WriteLockHolder lock(dir.File("ledger.db"));
  absl::Status first = ledger->RecordIssuance(MakeRecord("01"));
  EXPECT_EQ(first.code(), absl::StatusCode::kUnavailable) << first;
  EXPECT_THAT(std::string(first.message()), ::testing::HasSubstr("locked"));
  EXPECT_EQ(ledger->CheckWritable().code(), absl::StatusCode::kUnavailable);
  lock.Release();
  EXPECT_EQ(ledger->GetCertificate("01").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ledger->writer_stats().commits, 0u);
  EXPECT_TRUE(ledger->CheckWritable().ok());
  EXPECT_TRUE(ledger->RecordIssuance(MakeRecord("01")).ok());
}

TEST(GroupCommitTest, DestructorDrainsTheQueue) {
  TempDir dir;
  constexpr int kRecords = 100;
  std::atomic<int> ok{0};
  {
    auto ledger = OpenTestLedger(dir.File("ledger.db"), {.max_batch = 7});
    for (int i = 0; i < kRecords; ++i) {
      ledger->RecordIssuanceAsync(MakeRecord(TestSerial(i)), [&](absl::Status s) { ok += s.ok(); });
    }
  }
  EXPECT_EQ(ok.load(), kRecords);
  auto reopened = OpenTestLedger(dir.File("ledger.db"));
  EXPECT_EQ(reopened->ListCertificates({})->size(), static_cast<size_t>(kRecords));
}

TEST(GroupCommitTest, MaxBatchBoundsATransaction) {
  TempDir dir;
  auto ledger = OpenTestLedger(dir.File("ledger.db"), {.max_batch = 4});
  Latch latch(50);
  for (int i = 0; i < 50; ++i) {
    ledger->RecordIssuanceAsync(MakeRecord(TestSerial(i)),
                                [&](absl::Status) { latch.CountDown(); });
  }
  latch.Wait();
  EXPECT_LE(ledger->writer_stats().largest_batch, 4u);
  EXPECT_GE(ledger->writer_stats().commits, 13u);
}

// Revocations, refusal counts, admin audit rows and checkpoints go through the writer's one
// connection, interleaved with records queued from other threads: the writer ran each of
// them, every write landed, and the event chain is whole.
// Write system calls (pwrite, write, sendmsg, ...) this process made so far: /proc/self/io.
int64_t WriteCallsSoFar() {
  std::ifstream io("/proc/self/io");
  std::string name;
  int64_t value = 0;
  while (io >> name >> value) {
    if (name == "syscw:") return value;
  }
  ADD_FAILURE() << "no syscw in /proc/self/io";
  return 0;
}

// Each record is a SAVEPOINT inside its batch's transaction, so SQLite keeps the original of
// every existing page a record changes in a statement journal until the record is released.
// That journal stays in memory (temp_store = MEMORY): a batch's only file writes are its WAL
// frames, a header and a page each. Spilled to a temporary file (past 64 KiB, which a record
// reaches once the ledger has a few thousand rows), it cost two more writes per page: about
// 2,500 write calls here where the WAL frames take about 530; under svidd-bench, more than half
// of svidd's.
TEST(GroupCommitTest, ABatchWritesNothingButItsWalFrames) {
  TempDir dir;
  const std::filesystem::path path = dir.File("ledger.db");
  const std::filesystem::path wal = dir.File("ledger.db-wal");
  // No checkpoint while measuring: only the writer writes.
  auto ledger =
      OpenTestLedger(path, {.max_batch = 64, .wal_checkpoint = {1'000'000, 1'000'000, 1'000'000}});
  // A ledger of some size, so that a record changes pages that were there before it.
  constexpr int kExisting = 4000;
  auto record = [](int i) {
    ledger::CertificateRecord r =
        MakeRecord(TestSerial(i * 7919 % 1000003),
                   "spiffe://td/ns/n" + std::to_string(i % 97) + "/sa/s" + std::to_string(i),
                   kBase + std::chrono::seconds(i * 37 % 5003));
    r.public_key_sha256 = std::string(64, 'a' + i % 6);
    return r;
  };
  {
    Latch existing(kExisting);
    for (int i = 0; i < kExisting; ++i) {
      ledger->RecordIssuanceAsync(record(i), [&](absl::Status s) {
        EXPECT_TRUE(s.ok()) << s;
        existing.CountDown();
      });
    }
    existing.Wait();
  }
  constexpr int kRecords = 64;
  Latch latch(kRecords);
  std::atomic<int> recorded{0};
  WriteLockHolder lock(path);  // the records queue up behind it
  const uintmax_t wal_before = std::filesystem::file_size(wal);
  const int64_t calls_before = WriteCallsSoFar();
  for (int i = 0; i < kRecords; ++i) {
    ledger->RecordIssuanceAsync(record(kExisting + i), [&](absl::Status s) {
      recorded += s.ok();
      latch.CountDown();
    });
  }
  lock.Release();
  latch.Wait();
  const int64_t calls = WriteCallsSoFar() - calls_before;
  const int64_t frames =
      static_cast<int64_t>((std::filesystem::file_size(wal) - wal_before) / (24 + 4096));
  EXPECT_EQ(recorded.load(), kRecords);
  ASSERT_GT(frames, kRecords / 8) << "every record changes pages";
  EXPECT_LE(calls, 2 * frames + 8) << frames << " WAL frames";
}

// What the writer acknowledged is on disk even if the process dies at once, without closing
// the ledger or running a destructor.
TEST(GroupCommitTest, AcknowledgedRecordsSurviveAProcessThatDiesWithoutClosing) {
  TempDir dir;
  const std::filesystem::path path = dir.File("ledger.db");
  constexpr int kRecords = 40;
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto ledger = ledger::internal::SqliteLedger::Open(path, {});
    if (!ledger.ok()) _exit(2);
    Latch latch(kRecords);
    std::atomic<int> recorded{0};
    for (int i = 0; i < kRecords; ++i) {
      (*ledger)->RecordIssuanceAsync(MakeRecord(TestSerial(i)), [&](absl::Status s) {
        recorded += s.ok();
        latch.CountDown();
      });
    }
    latch.Wait();
    _exit(recorded.load() == kRecords ? 0 : 3);  // no destructor, no close, no flush
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  auto reopened = OpenTestLedger(path);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->ListCertificates({})->size(), static_cast<size_t>(kRecords));
  const LedgerVerification verified = testing::VerifyLedgerFile(path);
  EXPECT_TRUE(verified.intact()) << verified.first_break->detail;
}

TEST(GroupCommitTest, EveryKindOfWriteGoesThroughTheOneWriter) {
  TempDir dir;
  auto ledger = OpenTestLedger(dir.File("ledger.db"), {.max_batch = 4});
  constexpr int kRecords = 60;
  Latch latch(kRecords);
  std::atomic<int> recorded{0};
  std::thread issuing([&] {
    for (int i = 100; i < 100 + kRecords; ++i) {
      ledger->RecordIssuanceAsync(MakeRecord(TestSerial(i)), [&](absl::Status s) {
        recorded += s.ok();
        latch.CountDown();
      });
    }
  });
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(ledger->RecordIssuance(MakeRecord(TestSerial(i))).ok());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(ledger->RevokeCertificate(TestSerial(i), "key compromise", kBase).ok());
    ASSERT_TRUE(ledger->AddRefusalCounts({{kBase, "invalid-argument/csr", 1}}).ok());
    ASSERT_TRUE(ledger
                    ->RecordAdminCall({kBase, "spiffe://td/admin", "x509:01", "peer",
                                       "RevokeCertificate", "{}", "OK", ""})
                    .ok());
  }
  issuing.join();
  latch.Wait();
  EXPECT_EQ(recorded.load(), kRecords);
  EXPECT_EQ(ledger->ListRefusalCounts(kBase - std::chrono::hours(1))->front().count, 5);
  const ChainHead head = ledger->GetChainHead().value();
  EXPECT_EQ(head.seq, 5 + kRecords + 5) << "an event per record and per revocation";
  const LedgerVerification verified = testing::VerifyLedgerFile(dir.File("ledger.db"));
  EXPECT_TRUE(verified.intact()) << verified.first_break->detail;
  // A checkpoint too (its signature is a stand-in, so it comes after the chain's check).
  ASSERT_TRUE(
      ledger->RecordCheckpoint({head.seq, head.hash, kBase, "signer", "ED25519", "sig"}).ok());
  EXPECT_EQ(ledger->writer_stats().writes_executed, 5u * 3 + 1);
}

// A write from a record's callback waits for the writer, which is free: callers are told
// on a thread of their own (and a write from the writer's own thread would run inline).
TEST(GroupCommitTest, AWriteFromARecordsCallbackIsCommitted) {
  TempDir dir;
  auto ledger = OpenTestLedger(dir.File("ledger.db"));
  std::promise<absl::Status> revoked;
  ledger->RecordIssuanceAsync(MakeRecord("5a3f"), [&](absl::Status s) {
    revoked.set_value(s.ok() ? ledger->RevokeCertificate("5a3f", "superseded", kBase) : s);
  });
  EXPECT_TRUE(revoked.get_future().get().ok());
  EXPECT_TRUE(ledger->IsRevoked("5a3f").value());
}

// Waits (at most 10 s) until the writer has committed `records`; false if it did not.
bool WaitForCommitted(internal::SqliteLedger& ledger, uint64_t records) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (ledger.writer_stats().records_committed < records) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// A caller still busy with its outcome (gRPC sending the certificate, the log line) does not
// hold up the next commit.
TEST(GroupCommitTest, TheWriterCommitsOnWhileACallerIsStillBeingTold) {
  TempDir dir;
  auto ledger = OpenTestLedger(dir.File("ledger.db"));
  std::promise<void> release_first;
  std::shared_future<void> first_released = release_first.get_future().share();
  std::promise<absl::Status> first, second;
  ledger->RecordIssuanceAsync(MakeRecord("c1"), [&](absl::Status s) {
    first_released.wait();
    first.set_value(s);
  });
  ASSERT_TRUE(WaitForCommitted(*ledger, 1));
  ledger->RecordIssuanceAsync(MakeRecord("c2"), [&](absl::Status s) { second.set_value(s); });
  const bool committed_meanwhile = WaitForCommitted(*ledger, 2);
  const bool readable_meanwhile = ledger->GetCertificate("c2").ok();
  release_first.set_value();  // before any assertion can return: the ledger waits for it
  EXPECT_TRUE(committed_meanwhile) << "the writer waited for the first record's caller";
  EXPECT_TRUE(readable_meanwhile);
  EXPECT_TRUE(first.get_future().get().ok());
  EXPECT_TRUE(second.get_future().get().ok());
}

// Callers are told in the order their records were committed, one at a time.
TEST(GroupCommitTest, CallersAreToldInCommitOrder) {
  TempDir dir;
  constexpr int kRecords = 200;
  std::vector<int> told;
  std::atomic<int> in_callback{0};
  bool overlapped = false;
  {
    auto ledger = OpenTestLedger(dir.File("ledger.db"), {.max_batch = 16});
    for (int i = 0; i < kRecords; ++i) {
      ledger->RecordIssuanceAsync(MakeRecord(TestSerial(i)), [&, i](absl::Status s) {
        if (in_callback.fetch_add(1) != 0) overlapped = true;
        EXPECT_TRUE(s.ok()) << s;
        told.push_back(i);
        in_callback.fetch_sub(1);
      });
    }
  }  // the destructor tells every caller before it returns
  EXPECT_FALSE(overlapped);
  ASSERT_EQ(told.size(), static_cast<size_t>(kRecords));
  for (int i = 0; i < kRecords; ++i) EXPECT_EQ(told[i], i);
}

TEST(SharedFileTest, ReadOnlyInstanceReadsWhileTheWriterWrites) {
  TempDir dir;
  auto writer = OpenTestLedger(dir.File("ledger.db"));
  auto reader = OpenTestLedger(dir.File("ledger.db"), {.read_only = true});
  std::atomic<bool> done{false};
  std::thread writing([&] {
    for (int i = 0; i < 300; ++i)
      ASSERT_TRUE(writer->RecordIssuance(MakeRecord(TestSerial(i))).ok());
    done = true;
  });
  size_t last = 0;
  int reads = 0;
  while (!done) {
    auto list = reader->ListCertificates({});
    ASSERT_TRUE(list.ok()) << list.status();
    EXPECT_GE(list->size(), last);  // never goes back: committed records stay visible
    last = list->size();
    ++reads;
  }
  writing.join();
  EXPECT_GT(reads, 1);
  EXPECT_EQ(reader->ListCertificates({})->size(), 300u);
}

TEST(SharedFileTest, RevokeThroughAnotherInstanceIsSeenByTheServer) {
  TempDir dir;
  auto server = OpenTestLedger(dir.File("ledger.db"));
  ASSERT_TRUE(server->RecordIssuance(MakeRecord("5a3f")).ok());
  EXPECT_FALSE(server->IsRevoked("5a3f").value());
  {
    auto svidctl = OpenTestLedger(dir.File("ledger.db"));  // what `svidctl certs revoke` opens
    ASSERT_TRUE(svidctl->RevokeCertificate("5a3f", "compromised", kBase).ok());
  }
  EXPECT_TRUE(server->IsRevoked("5a3f").value());
  EXPECT_EQ(server->GetCertificate("5a3f")->revocation_reason, "compromised");
  EXPECT_EQ(server->RevokeCertificate("5a3f", "", kBase).code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace svidd::ledger
