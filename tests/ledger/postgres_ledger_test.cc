// What only the PostgreSQL ledger has: its URI handling (passwords never shown), migrations
// under an advisory lock (two replicas opening at once, a newer database refused), several
// writers on one chain, and a PostgreSQL restart under load. The behaviour both engines share
// is in the engine-parameterised suites (ledger_engine.h).
#include "svidd/ledger/postgres_ledger.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "ledger/ledger_test_util.h"
#include "ledger/pg_connection.h"
#include "ledger/pg_migrations.h"
#include "ledger/postgres_ledger_impl.h"
#include "support/postgres/postgres_server.h"

namespace svidd::ledger {
namespace {

using ::svidd::testing::FreshPostgresDatabase;
using ::svidd::testing::MakeRecord;
using ::svidd::testing::PostgresServer;
using ::svidd::testing::SharedPostgres;
using ::svidd::testing::TempDir;
using ::svidd::testing::TestSerial;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(RedactLedgerUriTest, HidesEveryFormOfPassword) {
  struct Case {
    const char* uri;
    const char* want;
  };
  const std::vector<Case> cases = {
      {"postgresql://svidd:s3cr%40t@db.example:5432/svidd?sslmode=verify-full",
       "postgresql://svidd:***@db.example:5432/svidd?sslmode=verify-full"},
      {"postgres://svidd@db/svidd", "postgres://svidd@db/svidd"},
      {"postgresql://db/svidd?user=svidd&password=hunter2&sslmode=require",
       "postgresql://db/svidd?user=svidd&password=***&sslmode=require"},
      {"host=db user=svidd password='a b' dbname=svidd",
       "host=db user=svidd password=*** dbname=svidd"},
      {"host=db password=hunter2", "host=db password=***"},
      // The userinfo ends at the last '@': a password holding '/', '?', '#' or '@'.
      {"postgresql://u:pa/ss@h/db", "postgresql://u:***@h/db"},
      {"postgresql://u:pa?ss@h:5432/db?sslmode=require",
       "postgresql://u:***@h:5432/db?sslmode=require"},
      {"postgresql://u:pa#ss@h/db", "postgresql://u:***@h/db"},
      {"postgresql://u:p@s/s@h/db", "postgresql://u:***@h/db"},
      {"host=db user=u PASSWORD = 'it\\'s' port=5432", "host=db user=u PASSWORD = *** port=5432"},
      {"password=x host=db", "password=*** host=db"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.uri);
    EXPECT_EQ(RedactLedgerUri(c.uri), c.want);
  }
  // libpq's own messages quote the piece they choke on: hidden when it is the password's.
  absl::Status invalid = ValidatePostgresUri("postgresql://u:p%zz@h/db");
  ASSERT_EQ(invalid.code(), absl::StatusCode::kInvalidArgument) << invalid;
  EXPECT_THAT(invalid.message(), Not(HasSubstr("p%zz")));
  EXPECT_THAT(invalid.message(), HasSubstr("postgresql://u:***@h/db"));
  EXPECT_EQ(RedactLibpqMessage("invalid integer value \"pa\" for connection option \"port\"",
                               "postgresql://u:pa/ss@h/db"),
            "invalid integer value \"***\" for connection option \"port\"");
  // u:pa/ss@h parses as host "u", port "pa": the connection's error names neither piece.
  absl::StatusOr<std::unique_ptr<Ledger>> opened =
      OpenPostgresLedger("postgresql://u:pa/ss@127.0.0.1/db");
  ASSERT_FALSE(opened.ok());
  EXPECT_THAT(opened.status().message(), Not(HasSubstr("\"pa\"")));
  EXPECT_THAT(opened.status().message(), Not(HasSubstr("pa/ss")));
  EXPECT_THAT(opened.status().message(), HasSubstr("postgresql://u:***@127.0.0.1/db"));
  EXPECT_THAT(invalid.message(), HasSubstr("postgresql://u:***@h/db"));
  EXPECT_TRUE(IsPostgresUri("postgresql://x/y"));
  EXPECT_TRUE(IsPostgresUri("postgres://x/y"));
  EXPECT_FALSE(IsPostgresUri("/var/lib/svidd/ledger.db"));
}

TEST(PostgresLedgerOpenTest, UnreachableServerIsUnavailableNamingTheLedgerNotThePassword) {
  absl::StatusOr<PostgresServer*> server = SharedPostgres();
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string secret = "pw-that-must-not-leak";
  // A port nothing listens on: the shared server's, once stopped, would race; port 1 is safe.
  auto refused = OpenPostgresLedger(absl::StrCat("postgresql://svidd:", secret, "@127.0.0.1:1/x"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  const std::string message(refused.status().message());
  EXPECT_THAT(message, HasSubstr("postgresql://svidd:***@127.0.0.1:1/x"));
  EXPECT_THAT(message, HasSubstr("Connection refused"));  // libpq's own words
  EXPECT_THAT(message, Not(HasSubstr(secret)));

  // The right server, the wrong password.
  std::string wrong = (*server)->Uri("postgres");
  wrong.replace(wrong.find((*server)->password()), (*server)->password().size(), secret);
  auto denied = OpenPostgresLedger(wrong);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(denied.status().message()), HasSubstr("password authentication failed"));
  EXPECT_THAT(std::string(denied.status().message()), Not(HasSubstr(secret)));
}

TEST(PostgresLedgerOpenTest, FreshDatabaseGetsEveryMigrationAndANewerOneIsRefused) {
  absl::StatusOr<std::string> uri = FreshPostgresDatabase();
  ASSERT_TRUE(uri.ok()) << uri.status();
  ASSERT_TRUE(OpenPostgresLedger(*uri).ok());
  auto server = SharedPostgres().value();
  const std::string db = uri->substr(uri->rfind('/') + 1);
  ASSERT_TRUE(server
                  ->ExecSql(db, absl::StrCat("INSERT INTO schema_migrations VALUES (",
                                             LatestPostgresSchemaVersion() + 1, ", 'x', 0)"))
                  .ok());
  for (bool read_only : {false, true}) {
    SCOPED_TRACE(read_only);
    auto refused = OpenPostgresLedger(*uri, {.read_only = read_only});
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(refused.status().message()),
                HasSubstr(absl::StrCat("ledger schema version ", LatestPostgresSchemaVersion() + 1,
                                       " is newer than this svidd")));
  }
}

TEST(PostgresLedgerOpenTest, ReadOnlyOpenOfAnEmptyDatabaseNeverMigrates) {
  absl::StatusOr<std::string> uri = FreshPostgresDatabase();
  ASSERT_TRUE(uri.ok()) << uri.status();
  auto refused = OpenPostgresLedger(*uri, {.read_only = true});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("no svidd schema"));
}

// Replicas that start together: every opener succeeds, each migration is applied once.
TEST(PostgresLedgerOpenTest, ConcurrentOpenersMigrateOnce) {
  absl::StatusOr<std::string> uri = FreshPostgresDatabase();
  ASSERT_TRUE(uri.ok()) << uri.status();
  constexpr int kOpeners = 4;
  std::vector<std::future<absl::Status>> opened;
  std::promise<void> go;
  std::shared_future<void> start = go.get_future().share();
  for (int i = 0; i < kOpeners; ++i) {
    opened.push_back(std::async(std::launch::async, [&, start] {
      start.wait();
      return OpenPostgresLedger(*uri).status();
    }));
  }
  go.set_value();
  for (auto& f : opened) EXPECT_TRUE(f.get().ok());
  auto server = SharedPostgres().value();
  const std::string db = uri->substr(uri->rfind('/') + 1);
  // A second row per version would have failed the primary key; count them anyway.
  EXPECT_TRUE(
      server
          ->ExecSql(db, absl::StrCat("DO $$ BEGIN IF (SELECT COUNT(*) FROM schema_migrations)"
                                     " <> ",
                                     // one row per embedded migration, 0001 to the last
                                     internal::EmbeddedPostgresMigrations().size(),
                                     " THEN RAISE EXCEPTION 'migrated twice'; END IF; END $$"))
          .ok());
}

// Two replicas recording at once share one chain, ordered by the database; every record is
// there once and the chain verifies.
TEST(PostgresLedgerReplicasTest, ConcurrentWritersOnTwoReplicasKeepOneIntactChain) {
  absl::StatusOr<std::string> uri = FreshPostgresDatabase();
  ASSERT_TRUE(uri.ok()) << uri.status();
  auto a = internal::PostgresLedger::Open(*uri, {});
  auto b = internal::PostgresLedger::Open(*uri, {});
  ASSERT_TRUE(a.ok() && b.ok());
  constexpr int kThreads = 8, kPerThread = 40;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Ledger& ledger = t % 2 == 0 ? static_cast<Ledger&>(**a) : **b;
      for (int i = 0; i < kPerThread; ++i) {
        const std::string serial = TestSerial(t * 1000 + i);
        if (!ledger.RecordIssuance(MakeRecord(serial)).ok()) ++failures;
        if (i % 10 == 0 && !ledger.RevokeCertificate(serial, "test", FromUnixSeconds(1)).ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ((*a)->CountCertificates({}).value(), kThreads * kPerThread);
  EXPECT_GT((*a)->writer_stats().largest_batch + (*b)->writer_stats().largest_batch, 2u)
      << "concurrent records should share transactions";
  TempDir dir;
  LedgerVerification report = ::svidd::testing::VerifyLedgerUri(*uri, dir.path());
  ASSERT_TRUE(report.intact()) << report.first_break->detail;
  EXPECT_EQ(report.events, kThreads * kPerThread + kThreads * (kPerThread / 10));
}

// An integer column read as NULL, or as text that is no integer, is an error naming the column,
// never a silent 0 (a chain head at seq 0, schema version 0).
TEST(PgResultTest, NullOrNonIntegerIsDataLossNotZero) {
  absl::StatusOr<std::string> uri = FreshPostgresDatabase();
  ASSERT_TRUE(uri.ok()) << uri.status();
  auto conn = internal::PgConnection::Connect(*uri, /*read_only=*/true);
  ASSERT_TRUE(conn.ok()) << conn.status();
  absl::StatusOr<internal::PgResult> row =
      (*conn)->Exec("SELECT NULL::bigint AS missing, 'x' AS word, 42::bigint AS answer");
  ASSERT_TRUE(row.ok()) << row.status();
  absl::StatusOr<int64_t> missing = row->Int64(0, 0);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(missing.status().message(), HasSubstr("missing"));
  EXPECT_EQ(row->Int64(0, 1).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(row->Int64(0, 2).value_or(0), 42);
}

// Whether a statement is sent again on a new session after a restart is the caller's explicit
// choice (PgConnection::Resend), not a guess from the SQL's first word: the same SELECT is resent
// when asked and fails UNAVAILABLE when not, and the connection comes back on its own after.
TEST(PgConnectionTest, ResendingAfterALostSessionIsTheCallersChoice) {
  absl::StatusOr<std::unique_ptr<PostgresServer>> own = PostgresServer::Start();  // restarted
  ASSERT_TRUE(own.ok()) << own.status();
  PostgresServer* server = own->get();
  absl::StatusOr<std::string> uri = server->CreateDatabase();
  ASSERT_TRUE(uri.ok()) << uri.status();
  auto conn = internal::PgConnection::Connect(*uri, /*read_only=*/false);
  ASSERT_TRUE(conn.ok()) << conn.status();
  using Resend = internal::PgConnection::Resend;

  ASSERT_TRUE(server->Restart().ok());
  absl::StatusOr<internal::PgResult> resent =
      (*conn)->Exec("SELECT 1", {}, Resend::kIfLostWhileIdle);
  EXPECT_TRUE(resent.ok()) << resent.status();

  ASSERT_TRUE(server->Restart().ok());
  absl::StatusOr<internal::PgResult> once = (*conn)->Exec("SELECT 1", {}, Resend::kNever);
  EXPECT_EQ(once.status().code(), absl::StatusCode::kUnavailable) << once.status();
  EXPECT_TRUE((*conn)->Exec("SELECT 1").ok()) << "the next call reconnects";
}

// Records queued while another session holds the chain head's row lock: the writer has taken
// `first` and waits for the lock, so everything queued after it forms one batch once `Release`
// lets it go. Each record's outcome, in the order queued.
class ParkedPgWriter {
 public:
  ParkedPgWriter(const std::string& uri, internal::PostgresLedger& ledger) : ledger_(ledger) {
    auto conn = internal::PgConnection::Connect(uri, /*read_only=*/false);
    EXPECT_TRUE(conn.ok()) << conn.status();
    holder_ = std::move(*conn);
    EXPECT_TRUE(holder_->Exec("BEGIN").ok());
    EXPECT_TRUE(holder_->Exec("SELECT seq FROM ledger_chain_head WHERE id = 1 FOR UPDATE").ok());
  }
  void Enqueue(CertificateRecord record) {
    std::lock_guard<std::mutex> lock(mu_);
    const size_t slot = outcomes_.size();
    outcomes_.emplace_back();
    ++pending_;
    ledger_.RecordIssuanceAsync(std::move(record), [this, slot](absl::Status s) {
      std::lock_guard<std::mutex> lock(mu_);
      outcomes_[slot] = std::move(s);
      if (--pending_ == 0) done_.notify_all();
    });
  }
  // Waits (bounded) until the writer has taken `batches` batches off its queue.
  bool WaitForBatches(uint64_t batches) {
    for (int i = 0; i < 2000 && ledger_.writer_stats().batches_taken < batches; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return ledger_.writer_stats().batches_taken >= batches;
  }
  std::vector<absl::Status> ReleaseAndWait() {
    EXPECT_TRUE(holder_->Exec("COMMIT").ok());
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, [this] { return pending_ == 0; });
    return outcomes_;
  }

 private:
  internal::PostgresLedger& ledger_;
  std::unique_ptr<internal::PgConnection> holder_;
  std::mutex mu_;
  std::condition_variable done_;
  std::vector<absl::Status> outcomes_;
  int pending_ = 0;
};

// One multi-row INSERT per batch (issue 15): a serial the ledger already holds, and a serial
// twice in the batch, are refused alone with ALREADY_EXISTS; the rest of the batch commits, in
// one transaction, and the chain verifies.
TEST(PostgresLedgerBatchTest, ACollidingSerialIsRefusedAloneAndTheRestOfTheBatchCommits) {
  absl::StatusOr<std::string> uri = FreshPostgresDatabase();
  ASSERT_TRUE(uri.ok()) << uri.status();
  auto ledger = internal::PostgresLedger::Open(*uri, {});
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  ASSERT_TRUE((*ledger)->RecordIssuance(MakeRecord("aa")).ok());

  ParkedPgWriter parked(*uri, **ledger);
  parked.Enqueue(MakeRecord("a0"));  // taken alone; the writer waits for the head's lock
  ASSERT_TRUE(parked.WaitForBatches(2));
  const uint64_t commits_before = (*ledger)->writer_stats().commits;
  for (const char* serial : {"b0", "b1", "aa", "b2", "b2", "b3"}) {
    parked.Enqueue(MakeRecord(serial));
  }
  const std::vector<absl::Status> outcomes = parked.ReleaseAndWait();

  const std::vector<absl::StatusCode> want = {
      absl::StatusCode::kOk, absl::StatusCode::kOk,
      absl::StatusCode::kOk, absl::StatusCode::kAlreadyExists,
      absl::StatusCode::kOk, absl::StatusCode::kAlreadyExists,
      absl::StatusCode::kOk};
  ASSERT_EQ(outcomes.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(outcomes[i].code(), want[i]) << outcomes[i];
  }
  EXPECT_THAT(outcomes[3].message(), HasSubstr("serial aa is already recorded"));
  const internal::WriterStats stats = (*ledger)->writer_stats();
  EXPECT_EQ(stats.commits, commits_before + 2) << "a0's transaction, then the batch's one";
  EXPECT_GE(stats.largest_batch, 6u);
  EXPECT_EQ(stats.records_failed, 2u);
  EXPECT_EQ((*ledger)->CountCertificates({}).value(), 6);  // aa, a0, b0..b3
  TempDir dir;
  LedgerVerification report = ::svidd::testing::VerifyLedgerUri(*uri, dir.path());
  ASSERT_TRUE(report.intact()) << report.first_break->detail;
  EXPECT_EQ(report.events, 6);
}

// A caller still busy with its outcome (gRPC sending the certificate, the log line) does not
// hold up the next commit: callers are told on a thread of their own.
TEST(PostgresLedgerBatchTest, TheWriterCommitsOnWhileACallerIsStillBeingTold) {
  absl::StatusOr<std::string> uri = FreshPostgresDatabase();
  ASSERT_TRUE(uri.ok()) << uri.status();
  auto ledger = internal::PostgresLedger::Open(*uri, {});
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  auto committed = [&](uint64_t records) {
    for (int i = 0; i < 2000 && (*ledger)->writer_stats().records_committed < records; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return (*ledger)->writer_stats().records_committed >= records;
  };
  std::promise<void> release_first;
  std::shared_future<void> first_released = release_first.get_future().share();
  std::promise<absl::Status> first, second;
  (*ledger)->RecordIssuanceAsync(MakeRecord("c1"), [&](absl::Status s) {
    first_released.wait();
    first.set_value(s);
  });
  ASSERT_TRUE(committed(1));
  (*ledger)->RecordIssuanceAsync(MakeRecord("c2"), [&](absl::Status s) { second.set_value(s); });
  const bool committed_meanwhile = committed(2);
  release_first.set_value();  // before any assertion can return: the ledger waits for it
  EXPECT_TRUE(committed_meanwhile) << "the writer waited for the first record's caller";
  EXPECT_TRUE(first.get_future().get().ok());
  EXPECT_TRUE(second.get_future().get().ok());
  EXPECT_EQ((*ledger)->CountCertificates({}).value(), 2);
}

// A row PostgreSQL refuses for another reason (here its CHECK that a revoked row has a
// revocation time) makes the multi-row INSERT insert nothing: the batch is written again record
// by record, so that record alone fails and the others commit.
TEST(PostgresLedgerBatchTest, ARefusedRowFailsAloneAndTheRestOfTheBatchCommits) {
  absl::StatusOr<std::string> uri = FreshPostgresDatabase();
  ASSERT_TRUE(uri.ok()) << uri.status();
  auto ledger = internal::PostgresLedger::Open(*uri, {});
  ASSERT_TRUE(ledger.ok()) << ledger.status();

  ParkedPgWriter parked(*uri, **ledger);
  parked.Enqueue(MakeRecord("a0"));
  ASSERT_TRUE(parked.WaitForBatches(1));
  CertificateRecord refused = MakeRecord("c1");
  refused.status = CertStatus::kRevoked;  // and no revoked_at
  parked.Enqueue(MakeRecord("c0"));
  parked.Enqueue(refused);
  parked.Enqueue(MakeRecord("c2"));
  const std::vector<absl::Status> outcomes = parked.ReleaseAndWait();

  ASSERT_EQ(outcomes.size(), 4u);
  EXPECT_TRUE(outcomes[0].ok()) << outcomes[0];
  EXPECT_TRUE(outcomes[1].ok()) << outcomes[1];
  EXPECT_FALSE(outcomes[2].ok());
  EXPECT_NE(outcomes[2].code(), absl::StatusCode::kAlreadyExists) << outcomes[2];
  EXPECT_THAT(outcomes[2].message(), HasSubstr("recording certificate c1"));
  EXPECT_TRUE(outcomes[3].ok()) << outcomes[3];
  EXPECT_EQ((*ledger)->CountCertificates({}).value(), 3);  // a0, c0, c2
  TempDir dir;
  LedgerVerification report = ::svidd::testing::VerifyLedgerUri(*uri, dir.path());
  ASSERT_TRUE(report.intact()) << report.first_break->detail;
  EXPECT_EQ(report.events, 3);
}

// PostgreSQL restarted under load: calls in flight fail with UNAVAILABLE (never OK for a
// record that is not there), and recording resumes by itself once the server is back.
TEST(PostgresLedgerFaultTest, RestartUnderLoadFailsUnavailableLosesNothingAndResumes) {
  absl::StatusOr<std::unique_ptr<PostgresServer>> own = PostgresServer::Start();  // restarted
  ASSERT_TRUE(own.ok()) << own.status();
  PostgresServer* server = own->get();
  absl::StatusOr<std::string> uri = server->CreateDatabase();
  ASSERT_TRUE(uri.ok()) << uri.status();
  auto ledger = OpenPostgresLedger(*uri);
  ASSERT_TRUE(ledger.ok()) << ledger.status();

  std::atomic<bool> stop{false};
  std::mutex mu;
  std::set<std::string> acknowledged;
  std::set<absl::StatusCode> failure_codes;
  std::vector<std::thread> load;
  for (int t = 0; t < 4; ++t) {
    load.emplace_back([&, t] {
      for (int i = 0; i < 100000 && !stop; ++i) {
        const std::string serial = TestSerial(t * 100000 + i);
        absl::Status s = (*ledger)->RecordIssuance(MakeRecord(serial));
        std::lock_guard<std::mutex> lock(mu);
        if (s.ok()) {
          acknowledged.insert(serial);
        } else {
          failure_codes.insert(s.code());
        }
      }
    });
  }
  auto acknowledged_count = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return acknowledged.size();
  };
  // Bounded waits on events, not sleeps: some records before, then the restart.
  for (int i = 0; i < 2000 && acknowledged_count() < 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_GE(acknowledged_count(), 50u);
  ASSERT_TRUE(server->Restart().ok());
  const size_t after_restart = acknowledged_count();
  for (int i = 0; i < 2000 && acknowledged_count() < after_restart + 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop = true;
  for (auto& t : load) t.join();

  EXPECT_GE(acknowledged.size(), after_restart + 50) << "issuance did not resume on its own";
  for (absl::StatusCode code : failure_codes) {
    EXPECT_EQ(code, absl::StatusCode::kUnavailable) << absl::StatusCodeToString(code);
  }
  EXPECT_TRUE((*ledger)->CheckWritable().ok());
  for (const std::string& serial : acknowledged) {
    ASSERT_TRUE((*ledger)->GetCertificate(serial).ok()) << serial << " acknowledged but missing";
  }
  TempDir dir;
  LedgerVerification report = ::svidd::testing::VerifyLedgerUri(*uri, dir.path());
  EXPECT_TRUE(report.intact()) << report.first_break->detail;
}

}  // namespace
}  // namespace svidd::ledger
