// The PostgreSQL harness itself: a real server that answers on loopback, fresh databases,
// password authentication, a restart that clients notice, and the run-wide server that one
// process publishes and others attach to without being able to stop it.
#include "support/postgres/postgres_server.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/ledger/temp_dir.h"
#include "svidd/ledger/pg_handles.h"

namespace svidd::testing {
namespace {

// The value of a one-row, one-column query, or the libpq error.
std::string QueryOne(PGconn* conn, const char* sql) {
  ledger::PgResultPtr res(PQexec(conn, sql));
  return PQresultStatus(res.get()) == PGRES_TUPLES_OK && PQntuples(res.get()) == 1
             ? PQgetvalue(res.get(), 0, 0)
             : std::string("error: ") + PQresultErrorMessage(res.get());
}

TEST(PostgresServerTest, ServesFreshDatabasesOnLoopbackWithPasswordsAndSurvivesARestart) {
  // Its own server: the run's shared one is never restarted.
  absl::StatusOr<std::unique_ptr<PostgresServer>> server = PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();  // fail, never skip: CI must run PG tests
  absl::StatusOr<std::string> a = (*server)->CreateDatabase();
  absl::StatusOr<std::string> b = (*server)->CreateDatabase();
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_NE(*a, *b);
  EXPECT_NE(a->find("@127.0.0.1:"), std::string::npos);

  ledger::PgConnPtr owned(PQconnectdb(a->c_str()));  // closed on every return, ASSERTs included
  PGconn* conn = owned.get();
  ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
  EXPECT_EQ(QueryOne(conn, "SELECT current_setting('server_version_num')::int / 10000"), "15");
  EXPECT_EQ(QueryOne(conn, "SELECT current_setting('listen_addresses')"), "127.0.0.1");

  std::string wrong = *a;
  wrong.replace(wrong.find((*server)->password()), (*server)->password().size(), "not-it");
  ledger::PgConnPtr refused(PQconnectdb(wrong.c_str()));
  EXPECT_NE(PQstatus(refused.get()), CONNECTION_OK);
  EXPECT_NE(std::string(PQerrorMessage(refused.get())).find("password authentication failed"),
            std::string::npos)
      << PQerrorMessage(refused.get());

  ASSERT_TRUE((*server)->Restart().ok());
  EXPECT_NE(QueryOne(conn, "SELECT 1"), "1");  // the restart closed the old session
  PQreset(conn);
  EXPECT_EQ(QueryOne(conn, "SELECT 1"), "1");
}

// What the ctest fixture does: one process starts and publishes a server, later processes
// attach to it, create databases and may not stop or restart it; StopPublished ends it.
TEST(PostgresServerTest, APublishedServerIsSharedButOnlyItsPublisherStopsIt) {
  TempDir dir;
  const std::filesystem::path state = dir.path() / "postgres.state";
  {
    absl::StatusOr<std::unique_ptr<PostgresServer>> started = PostgresServer::Start();
    ASSERT_TRUE(started.ok()) << started.status();
    ASSERT_TRUE((*started)->Publish(state).ok());
    EXPECT_EQ(std::filesystem::status(state).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write)
        << "the state file holds the password";
  }  // the publisher's object is gone; the server is not

  absl::StatusOr<std::unique_ptr<PostgresServer>> attached = PostgresServer::Attach(state);
  ASSERT_TRUE(attached.ok()) << attached.status();
  absl::StatusOr<std::string> a = (*attached)->CreateDatabase();
  absl::StatusOr<std::string> b = (*attached)->CreateDatabase();
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_NE(*a, *b);
  EXPECT_EQ((*attached)->Restart().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*attached)->StopServer().code(), absl::StatusCode::kFailedPrecondition);
  attached->reset();  // detaching leaves it running
  ledger::PgConnPtr conn(PQconnectdb(a->c_str()));
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
  conn.reset();

  ASSERT_TRUE(PostgresServer::StopPublished(state).ok());
  EXPECT_FALSE(std::filesystem::exists(state));
  ledger::PgConnPtr refused(PQconnectdb(a->c_str()));
  EXPECT_NE(PQstatus(refused.get()), CONNECTION_OK) << "stopped";
  absl::StatusOr<std::unique_ptr<PostgresServer>> gone = PostgresServer::Attach(state);
  EXPECT_EQ(gone.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(PostgresServer::StopPublished(state).ok()) << "nothing left to stop is not an error";
}

}  // namespace
}  // namespace svidd::testing
