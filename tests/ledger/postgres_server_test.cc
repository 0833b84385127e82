// The PostgreSQL harness itself: a real server that answers on loopback, fresh databases,
// password authentication, and a restart that clients notice.
#include "support/postgres/postgres_server.h"

#include <gtest/gtest.h>

#include <string>

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
  absl::StatusOr<PostgresServer*> server = SharedPostgres();
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

}  // namespace
}  // namespace svidd::testing
