#include "ledger/ledger_engine.h"

#include <sqlite3.h>

#include "support/postgres/postgres_server.h"
#include "svidd/ledger/pg_handles.h"

namespace svidd::testing {

std::string EngineName(const ::testing::TestParamInfo<LedgerEngine>& info) {
  return info.param == LedgerEngine::kSqlite ? "Sqlite" : "Postgres";
}

void EngineTest::SetUp() {
  if (!postgres()) {
    location_ = dir_.File("ledger.db").string();
    return;
  }
  absl::StatusOr<std::string> uri = FreshPostgresDatabase();
  ASSERT_TRUE(uri.ok()) << uri.status();  // fail, never skip
  location_ = *uri;
}

absl::StatusOr<std::unique_ptr<ledger::Ledger>> EngineTest::TryOpen(EngineOptions options) {
  if (postgres()) {
    return ledger::OpenPostgresLedger(
        location_, {.read_only = options.read_only, .max_batch = options.max_batch});
  }
  return ledger::OpenSqliteLedger(location_,
                                  {.read_only = options.read_only, .max_batch = options.max_batch});
}

std::unique_ptr<ledger::Ledger> EngineTest::Open(EngineOptions options) {
  absl::StatusOr<std::unique_ptr<ledger::Ledger>> ledger = TryOpen(options);
  EXPECT_TRUE(ledger.ok()) << ledger.status();
  return ledger.ok() ? std::move(*ledger) : nullptr;
}

absl::Status EngineTest::ExecRawSql(const std::string& sql, const std::string& where) {
  const std::string& store = where.empty() ? location_ : where;
  if (postgres()) {
    ledger::PgConnPtr conn(PQconnectdb(store.c_str()));
    ledger::PgResultPtr res(PQexec(conn.get(), sql.c_str()));
    const ExecStatusType st = PQresultStatus(res.get());
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK
               ? absl::OkStatus()
               : absl::InternalError(PQresultErrorMessage(res.get()));
  }
  sqlite3* raw = nullptr;
  if (sqlite3_open(store.c_str(), &raw) != SQLITE_OK) {
    sqlite3_close(raw);
    return absl::InternalError("cannot open " + store);
  }
  char* error = nullptr;
  const int rc = sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &error);
  absl::Status out = rc == SQLITE_OK ? absl::OkStatus() : absl::InternalError(error ? error : "");
  sqlite3_free(error);
  sqlite3_close(raw);
  return out;
}

absl::StatusOr<std::string> EngineTest::CopyStore() {
  const std::string suffix = "_copy" + std::to_string(++copies_);
  if (!postgres()) {
    const std::string copy = location_ + suffix;
    std::error_code ec;
    std::filesystem::copy_file(location_, copy, ec);
    if (ec) return absl::InternalError("copying " + location_ + ": " + ec.message());
    return copy;
  }
  absl::StatusOr<PostgresServer*> server = SharedPostgres();
  if (!server.ok()) return server.status();
  const std::string name = location_.substr(location_.rfind('/') + 1);
  absl::Status s =
      (*server)->ExecSql("postgres", "CREATE DATABASE " + name + suffix + " TEMPLATE " + name);
  if (!s.ok()) return s;
  return (*server)->Uri(name + suffix);
}

std::string EngineTest::StoreName() const {
  return postgres() ? ledger::RedactLedgerUri(location_) : location_;
}

}  // namespace svidd::testing
