#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ledger/ledger_test_util.h"
#include "ledger/sqlite_connection.h"
#include "ledger/sqlite_migrations.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::ledger::internal {
namespace {

using ::svidd::testing::TempDir;
using ::testing::HasSubstr;

SqliteDbPtr OpenRaw(const std::filesystem::path& path) {
  absl::StatusOr<SqliteDbPtr> c = OpenDatabase(path, ConnectionOptions{});
  EXPECT_TRUE(c.ok()) << c.status();
  return std::move(*c);
}

int64_t QueryInt(sqlite3* db, const char* sql) {
  absl::StatusOr<Statement> stmt = Statement::Prepare(db, sql);
  EXPECT_TRUE(stmt.ok()) << stmt.status();
  absl::StatusOr<bool> row = stmt->Step();
  EXPECT_TRUE(row.ok() && *row) << sql;
  return stmt->ColumnInt64(0);
}

const TimePoint kNow = FromUnixSeconds(testing::kBaseUnix);

TEST(MigrationRunnerTest, FreshDatabaseGetsLatestVersion) {
  TempDir dir;
  auto ledger = OpenSqliteLedger(dir.File("ledger.db"));
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  ledger->reset();
  auto conn = OpenRaw(dir.File("ledger.db"));
  EXPECT_GE(LatestSchemaVersion(), 1);
  EXPECT_EQ(ReadSchemaVersion(conn.get()).value(), LatestSchemaVersion());
  EXPECT_EQ(QueryInt(conn.get(), "SELECT COUNT(*) FROM schema_migrations"),
            static_cast<int64_t>(EmbeddedMigrations().size()));
  EXPECT_EQ(QueryInt(conn.get(), "SELECT COUNT(*) FROM certificates"), 0);
}

TEST(MigrationRunnerTest, ReopenIsANoOp) {
  TempDir dir;
  auto conn = OpenRaw(dir.File("ledger.db"));
  ASSERT_TRUE(ApplyMigrations(conn.get(), EmbeddedMigrations(), kNow).ok());
  ASSERT_TRUE(ApplyMigrations(conn.get(), EmbeddedMigrations(), kNow + std::chrono::hours(1)).ok());
  EXPECT_EQ(QueryInt(conn.get(), "SELECT MAX(applied_at) FROM schema_migrations"),
            testing::kBaseUnix);
  auto reopened = OpenSqliteLedger(dir.File("ledger.db"));
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ(QueryInt(conn.get(), "SELECT MAX(applied_at) FROM schema_migrations"),
            testing::kBaseUnix);
}

TEST(MigrationRunnerTest, NewerDatabaseIsRefusedByReadWriteAndReadOnlyOpens) {
  TempDir dir;
  {
    auto conn = OpenRaw(dir.File("ledger.db"));
    ASSERT_TRUE(ApplyMigrations(conn.get(), EmbeddedMigrations(), kNow).ok());
    ASSERT_TRUE(Exec(conn.get(),
                     "INSERT INTO schema_migrations VALUES (999, "
                     "'0999_future.sql', 0)")
                    .ok());
  }
  for (bool read_only : {false, true}) {
    SCOPED_TRACE(read_only ? "read-only" : "read-write");
    auto ledger = OpenSqliteLedger(dir.File("ledger.db"), {.read_only = read_only});
    ASSERT_FALSE(ledger.ok());
    EXPECT_EQ(ledger.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(ledger.status().message()),
                HasSubstr("ledger schema version 999 is newer than this svidd (knows up to " +
                          std::to_string(LatestSchemaVersion()) + ")"));
  }
}

TEST(MigrationRunnerTest, ReadOnlyOpenOfMissingFileFailsClearly) {
  TempDir dir;
  auto ledger = OpenSqliteLedger(dir.File("nope.db"), {.read_only = true});
  ASSERT_FALSE(ledger.ok());
  EXPECT_EQ(ledger.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(ledger.status().message()),
              HasSubstr("no ledger at " + dir.File("nope.db").string()));
  EXPECT_FALSE(std::filesystem::exists(dir.File("nope.db")));
}

TEST(MigrationRunnerTest, ReadOnlyOpenNeverMigrates) {
  TempDir dir;
  { OpenRaw(dir.File("ledger.db")); }  // an empty database
  auto ledger = OpenSqliteLedger(dir.File("ledger.db"), {.read_only = true});
  ASSERT_FALSE(ledger.ok());
  EXPECT_EQ(ledger.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(ledger.status().message()), HasSubstr("no svidd schema"));
  auto conn = OpenRaw(dir.File("ledger.db"));
  EXPECT_EQ(ReadSchemaVersion(conn.get()).value(), 0);
}

TEST(MigrationRunnerTest, ReadOnlyOpenRefusesAnOlderSchema) {
  TempDir dir;
  auto conn = OpenRaw(dir.File("ledger.db"));
  std::vector<Migration> latest = EmbeddedMigrations();
  std::vector<Migration> newer = latest;
  newer.push_back({latest.back().version + 1, "next.sql", "CREATE TABLE t (x INTEGER)"});
  ASSERT_TRUE(ApplyMigrations(conn.get(), latest, kNow).ok());
  EXPECT_TRUE(CheckSchemaIsCurrent(conn.get(), latest.back().version).ok());
  absl::Status status = CheckSchemaIsCurrent(conn.get(), newer.back().version);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()), HasSubstr("older than this svidd requires"));
}

TEST(MigrationRunnerTest, AppliesInOrderAndRollsBackAFailedMigration) {
  TempDir dir;
  auto conn = OpenRaw(dir.File("test.db"));
  std::vector<Migration> migrations = {
      {1, "0001_a.sql", "CREATE TABLE a (x INTEGER);"},
      {2, "0002_b.sql", "CREATE TABLE b (x INTEGER); INSERT INTO a VALUES (1);"},
      {3, "0003_bad.sql", "CREATE TABLE c (x INTEGER); THIS IS NOT SQL;"},
  };
  absl::Status status = ApplyMigrations(conn.get(), migrations, kNow);
  EXPECT_THAT(std::string(status.message()), HasSubstr("applying migration 0003_bad.sql"));
  EXPECT_EQ(ReadSchemaVersion(conn.get()).value(), 2);
  EXPECT_EQ(QueryInt(conn.get(), "SELECT COUNT(*) FROM a"), 1);
  EXPECT_EQ(QueryInt(conn.get(), "SELECT COUNT(*) FROM sqlite_master WHERE name = 'c'"), 0);
  migrations[2].sql = "CREATE TABLE c (x INTEGER);";
  ASSERT_TRUE(ApplyMigrations(conn.get(), migrations, kNow).ok());
  EXPECT_EQ(ReadSchemaVersion(conn.get()).value(), 3);
}

// 0006: identity_summary is filled from the rows already there, then kept by the trigger.
TEST(MigrationRunnerTest, IdentitySummaryIsBackfilledThenMaintained) {
  TempDir dir;
  auto conn = OpenRaw(dir.File("test.db"));
  std::vector<Migration> before;
  for (const Migration& m : EmbeddedMigrations()) {
    if (m.version < 6) before.push_back(m);
  }
  ASSERT_TRUE(ApplyMigrations(conn.get(), before, kNow).ok());
  auto insert = [&](const std::string& serial, const std::string& id, int64_t issued) {
    std::string sql =
        "INSERT INTO certificates (serial, spiffe_id, kind, issued_at, not_before, not_after,"
        " issuer_serial, issuer_subject, public_key_sha256, key_type, auth_method,"
        " auth_principal, certificate_pem) VALUES ('" +
        serial + "', '" + id + "', 'workload', " + std::to_string(issued) +
        ", 0, 1, 'i', 'CN=i', 'h', 'ec-p256',"
        " 'kubernetes', 'p', 'pem');";
    ASSERT_EQ(sqlite3_exec(conn.get(), sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  };
  const std::string web = "spiffe://example.org/ns/default/sa/web";
  insert("a1", web, 200);
  insert("a2", web, 100);
  insert("b1", "spiffe://example.org/ns/data/sa/db", 150);
  ASSERT_TRUE(ApplyMigrations(conn.get(), EmbeddedMigrations(), kNow).ok());
  const std::string of_web =
      " FROM identity_summary WHERE spiffe_id = 'spiffe://example.org/ns/default/sa/web'";
  EXPECT_EQ(QueryInt(conn.get(), ("SELECT certificates" + of_web).c_str()), 2);
  EXPECT_EQ(QueryInt(conn.get(), ("SELECT first_issued_at" + of_web).c_str()), 100);
  EXPECT_EQ(QueryInt(conn.get(), ("SELECT last_issued_at" + of_web).c_str()), 200);
  EXPECT_EQ(QueryInt(conn.get(),
                     "SELECT COUNT(*) FROM identity_summary WHERE istio_namespace = 'default'"),
            1);
  insert("a3", web, 50);
  insert("a4", web, 300);
  EXPECT_EQ(QueryInt(conn.get(), ("SELECT certificates" + of_web).c_str()), 4);
  EXPECT_EQ(QueryInt(conn.get(), ("SELECT first_issued_at" + of_web).c_str()), 50);
  EXPECT_EQ(QueryInt(conn.get(), ("SELECT last_issued_at" + of_web).c_str()), 300);
  EXPECT_EQ(QueryInt(conn.get(), "SELECT SUM(certificates) FROM identity_summary"), 5);
}

TEST(MigrationRunnerTest, RejectsMigrationsOutOfOrder) {
  TempDir dir;
  auto conn = OpenRaw(dir.File("test.db"));
  std::vector<Migration> migrations = {{2, "0002.sql", "SELECT 1;"}, {1, "0001.sql", "SELECT 1;"}};
  EXPECT_EQ(ApplyMigrations(conn.get(), migrations, kNow).code(), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace svidd::ledger::internal
