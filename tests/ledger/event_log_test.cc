// The event log as the writers build it: one event per issuance and revocation, chained
// across batches, across ledger handles sharing a file, and back over rows from before it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "ledger/certificate_rows.h"
#include "ledger/ledger_engine.h"
#include "ledger/ledger_test_util.h"
#include "ledger/sqlite_connection.h"
#include "ledger/sqlite_ledger_impl.h"
#include "ledger/sqlite_migrations.h"
#include "support/ledger/sqlite_tool.h"
#include "svidd/ledger/event_chain.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::ledger {
namespace {

using ::svidd::testing::kBaseUnix;
using ::svidd::testing::MakeRecord;
using ::svidd::testing::OpenTestLedger;
using ::svidd::testing::RunSqlite3;
using ::svidd::testing::TempDir;
using ::svidd::testing::TestSerial;
using ::svidd::testing::VerifyLedgerFile;
using ::testing::HasSubstr;

using ::svidd::testing::kBase;

// (kind, serial) of every event, in seq order, checking that seq runs 1..n.
std::vector<std::pair<EventKind, std::string>> Events(const Ledger& ledger) {
  std::vector<std::pair<EventKind, std::string>> out;
  const int64_t n = ledger.GetChainHead().value().seq;
  for (int64_t seq = 1; seq <= n; ++seq) {
    LedgerEvent e = ledger.GetEvent(seq).value();
    EXPECT_EQ(e.seq, seq);
    out.emplace_back(e.kind, e.serial_hex);
  }
  return out;
}

void ExpectIntact(const std::filesystem::path& db) {
  LedgerVerification report = VerifyLedgerFile(db);
  EXPECT_TRUE(report.intact()) << report.first_break->detail;
}

TEST(EventLogTest, EmptyLogHasTheGenesisHead) {
  TempDir dir;
  auto ledger = OpenTestLedger(dir.File("ledger.db"));
  ChainHead head = ledger->GetChainHead().value();
  EXPECT_EQ(head.seq, 0);
  EXPECT_EQ(head.hash, kGenesisHash);
  EXPECT_EQ(ledger->GetEvent(1).status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(ledger->LatestCheckpoint().value().has_value());
}

TEST(EventLogTest, IssuanceAndRevocationEachAppendOneChainedEvent) {
  TempDir dir;
  auto ledger = OpenTestLedger(dir.File("ledger.db"));
  const CertificateRecord record = MakeRecord("5a3f09");
  ASSERT_TRUE(ledger->RecordIssuance(record).ok());
  ASSERT_TRUE(
      ledger->RevokeCertificate("5a3f09", "key compromise", kBase + std::chrono::hours(2)).ok());
  LedgerEvent issued = ledger->GetEvent(1).value();
  LedgerEvent revoked = ledger->GetEvent(2).value();
  EXPECT_EQ(issued.kind, EventKind::kIssued);
  EXPECT_EQ(issued.serial_hex, "5a3f09");
  EXPECT_EQ(issued.at, record.issued_at);
  EXPECT_EQ(issued.content_sha256, IssuanceDigest(record).value());
  EXPECT_EQ(issued.prev_hash, kGenesisHash);
  EXPECT_EQ(issued.hash, EventHash(issued).value());
  EXPECT_EQ(revoked.kind, EventKind::kRevoked);
  EXPECT_EQ(revoked.content_sha256,
            RevocationDigest("5a3f09", kBase + std::chrono::hours(2), "key compromise").value());
  EXPECT_EQ(revoked.prev_hash, issued.hash);
  EXPECT_EQ(revoked.hash, EventHash(revoked).value());
  EXPECT_EQ(ledger->GetChainHead()->hash, revoked.hash);
  ExpectIntact(dir.File("ledger.db"));
}

TEST(EventLogTest, RefusedRevocationsAppendNothing) {
  TempDir dir;
  auto ledger = OpenTestLedger(dir.File("ledger.db"));
  ASSERT_TRUE(ledger->RecordIssuance(MakeRecord("01")).ok());
  ASSERT_TRUE(ledger->RevokeCertificate("01", "", kBase).ok());
  EXPECT_EQ(ledger->RevokeCertificate("01", "again", kBase).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ledger->RevokeCertificate("02", "", kBase).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ledger->GetChainHead()->seq, 2);
  ExpectIntact(dir.File("ledger.db"));
}

TEST(EventLogTest, ARecordArrivingRevokedGetsBothEvents) {
  TempDir dir;
  auto ledger = OpenTestLedger(dir.File("ledger.db"));
  CertificateRecord r = MakeRecord("02aa");
  r.status = CertStatus::kRevoked;
  r.revoked_at = kBase + std::chrono::hours(1);
  r.revocation_reason = "superseded";
  ASSERT_TRUE(ledger->RecordIssuance(r).ok());
  using E = std::pair<EventKind, std::string>;
  EXPECT_EQ(Events(*ledger),
            (std::vector<E>{{EventKind::kIssued, "02aa"}, {EventKind::kRevoked, "02aa"}}));
  ExpectIntact(dir.File("ledger.db"));
}

TEST(EventLogTest, ChainRunsAcrossBatchesAndFailedRecordsTakeNoSeq) {
  TempDir dir;
  auto ledger = OpenTestLedger(dir.File("ledger.db"), {.max_batch = 5});
  constexpr int kRecords = 60;
  std::atomic<int> done{0};
  for (int i = 0; i < kRecords; ++i) {
    // Every tenth is a duplicate of the one before: refused inside its batch.
    const std::string serial = TestSerial(i % 10 == 9 ? i - 1 : i);
    ledger->RecordIssuanceAsync(MakeRecord(serial), [&](absl::Status) { ++done; });
  }
  while (done.load() < kRecords) std::this_thread::yield();
  internal::WriterStats stats = ledger->writer_stats();
  EXPECT_GE(stats.commits, 12u);
  EXPECT_EQ(stats.records_failed, 6u);
  EXPECT_EQ(ledger->GetChainHead()->seq, kRecords - 6);
  ExpectIntact(dir.File("ledger.db"));
}

TEST(EventLogTest, TwoHandlesOnOneFileShareOneChain) {
  TempDir dir;
  auto server = OpenTestLedger(dir.File("ledger.db"));
  auto svidctl = OpenTestLedger(dir.File("ledger.db"));  // another process, as far as SQLite knows
  std::thread issuing([&] {
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE(server->RecordIssuance(MakeRecord(TestSerial(i))).ok());
    }
  });
  std::thread other([&] {
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE(svidctl->RecordIssuance(MakeRecord(TestSerial(1000 + i))).ok());
      if (i % 4 == 0) {
        ASSERT_TRUE(svidctl->RevokeCertificate(TestSerial(1000 + i), "", kBase).ok());
      }
    }
  });
  issuing.join();
  other.join();
  EXPECT_EQ(server->GetChainHead()->seq, 225);
  EXPECT_EQ(svidctl->GetChainHead()->hash, server->GetChainHead()->hash);
  ExpectIntact(dir.File("ledger.db"));
}

TEST(EventLogTest, GuardsRefuseEditsThatBypassTheLog) {
  TempDir dir;
  {
    auto ledger = OpenTestLedger(dir.File("ledger.db"));
    ASSERT_TRUE(ledger->RecordIssuance(MakeRecord("01")).ok());
    ASSERT_TRUE(ledger->RecordIssuance(MakeRecord("02")).ok());
    ASSERT_TRUE(ledger->RevokeCertificate("02", "", kBase).ok());
  }
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"UPDATE certificates SET spiffe_id = 'x' WHERE serial = '01'", "immutable"},
      {"UPDATE certificates SET status = 'revoked', revoked_at = 1 WHERE serial = '01'",
       "must append its ledger_events row first"},
      {"UPDATE certificates SET status = 'active', revoked_at = NULL WHERE serial = '02'", "final"},
      {"DELETE FROM certificates WHERE serial = '01'", "never deleted"},
      {"UPDATE ledger_events SET at = 0 WHERE seq = 1", "append-only"},
      {"DELETE FROM ledger_events WHERE seq = 3", "append-only"},
  };
  for (const auto& [sql, why] : refused) {
    SCOPED_TRACE(sql);
    absl::StatusOr<std::string> out = RunSqlite3(dir.File("ledger.db"), sql);
    EXPECT_THAT(std::string(out.status().message()), HasSubstr(why));
  }
  ExpectIntact(dir.File("ledger.db"));
}

// A database as svidd left it before the event log existed.
void MakeVersion2Ledger(const std::filesystem::path& path,
                        const std::vector<CertificateRecord>& records) {
  internal::SqliteDbPtr conn = internal::OpenDatabase(path, {}).value();
  std::vector<internal::Migration> v2;
  for (const internal::Migration& m : internal::EmbeddedMigrations()) {
    if (m.version <= 2) v2.push_back(m);
  }
  ASSERT_TRUE(internal::ApplyMigrations(conn.get(), v2, kBase).ok());
  auto insert = internal::Statement::Prepare(conn.get(), internal::kInsertCertificateSql);
  for (const CertificateRecord& r : records) {
    ASSERT_TRUE(internal::InsertCertificate(*insert, r).ok());
  }
}

TEST(EventLogTest, BackfillsAVersion2LedgerOnceInSeqOrder) {
  TempDir dir;
  CertificateRecord revoked = MakeRecord("0b", "spiffe://example.org/ns/a/sa/b", kBase);
  revoked.status = CertStatus::kRevoked;
  revoked.revoked_at = kBase + std::chrono::hours(3);
  revoked.revocation_reason = "retired";
  MakeVersion2Ledger(dir.File("ledger.db"),
                     {MakeRecord("0c", "spiffe://example.org/ns/a/sa/c", kBase), revoked,
                      MakeRecord("0a", "spiffe://example.org/ns/a/sa/a", kBase)});
  // A read-only look (svidctl) never backfills: it refuses the older schema.
  EXPECT_EQ(OpenSqliteLedger(dir.File("ledger.db"), {.read_only = true}).status().code(),
            absl::StatusCode::kFailedPrecondition);

  using E = std::pair<EventKind, std::string>;
  const std::vector<E> want = {{EventKind::kIssued, "0c"},
                               {EventKind::kIssued, "0b"},
                               {EventKind::kIssued, "0a"},
                               {EventKind::kRevoked, "0b"}};
  {
    auto ledger = OpenTestLedger(dir.File("ledger.db"));
    EXPECT_EQ(Events(*ledger), want);
  }
  ExpectIntact(dir.File("ledger.db"));
  {
    auto reopened = OpenTestLedger(dir.File("ledger.db"));
    EXPECT_EQ(Events(*reopened), want) << "backfilled again";
    ASSERT_TRUE(reopened->RecordIssuance(MakeRecord("0d")).ok());
    EXPECT_EQ(reopened->GetChainHead()->seq, 5);
  }
  ExpectIntact(dir.File("ledger.db"));
}

// On both engines. A checkpoint behind the latest stored one is ABORTED when both are in the
// chain (another writer signed a newer head), FAILED_PRECONDITION when the chain moved under it.
class CheckpointTest : public ::svidd::testing::EngineTest {};
SVIDD_INSTANTIATE_FOR_EVERY_ENGINE(CheckpointTest);

TEST_P(CheckpointTest, CheckpointsMustExtendTheChain) {
  std::unique_ptr<Ledger> ledger = Open();
  ASSERT_NE(ledger, nullptr);
  ASSERT_TRUE(ledger->RecordIssuance(MakeRecord("01")).ok());
  ASSERT_TRUE(ledger->RecordIssuance(MakeRecord("02")).ok());
  const ChainHead head = ledger->GetChainHead().value();
  LedgerCheckpoint at2{head.seq, head.hash, kBase, "signer", "ED25519", "sig"};
  LedgerCheckpoint at1{1, ledger->GetEvent(1)->hash, kBase, "signer", "ED25519", "sig"};
  LedgerCheckpoint wrong_hash{2, ledger->GetEvent(1)->hash, kBase, "signer", "ED25519", "sig"};
  LedgerCheckpoint missing{3, head.hash, kBase, "signer", "ED25519", "sig"};
  EXPECT_EQ(ledger->RecordCheckpoint(wrong_hash).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ledger->RecordCheckpoint(missing).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(ledger->RecordCheckpoint(at2).ok());
  absl::Status behind = ledger->RecordCheckpoint(at1);
  EXPECT_EQ(behind.code(), absl::StatusCode::kAborted);
  EXPECT_THAT(std::string(behind.message()), HasSubstr("behind the latest"));
  std::optional<LedgerCheckpoint> latest = ledger->LatestCheckpoint().value();
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->event_seq, 2);
  EXPECT_EQ(latest->signature, "sig");
  std::unique_ptr<Ledger> read_only = Open({.read_only = true});
  EXPECT_EQ(read_only->RecordCheckpoint(at2).code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace svidd::ledger
