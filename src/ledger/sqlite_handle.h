// RAII ownership of sqlite3 / sqlite3_stmt and the SQLite result code → absl::Status bridge.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/result_row.h"

namespace svidd::ledger::internal {

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using SqliteDbPtr = std::unique_ptr<sqlite3, SqliteCloser>;

struct SqliteFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using SqliteStmtPtr = std::unique_ptr<sqlite3_stmt, SqliteFinalizer>;

// BUSY/LOCKED/FULL/IOERR → UNAVAILABLE (retry may succeed), CONSTRAINT_UNIQUE and
// CONSTRAINT_PRIMARYKEY (extended codes) → ALREADY_EXISTS, any other CONSTRAINT → INVALID_ARGUMENT,
// READONLY/NOTADB → FAILED_PRECONDITION, CORRUPT → DATA_LOSS, CANTOPEN → NOT_FOUND,
// anything else → INTERNAL.
absl::StatusCode SqliteResultToStatusCode(int rc);

// "<what>: <sqlite3_errmsg> (<sqlite3_errstr of the extended code>)" with the code above.
// `db` may be null (then only the result code's text is used).
absl::Status SqliteError(sqlite3* db, int rc, std::string_view what);

// Runs one or more statements that return no rows.
absl::Status Exec(sqlite3* db, const char* sql);

// Ends whatever statement runs on `db` (it fails with SQLITE_INTERRUPT) once `*stop` returns
// true, asked every 100,000 SQLite steps; null stops asking. `stop` must outlive its use.
void InterruptWhen(sqlite3* db, const std::function<bool()>* stop);

// BEGIN IMMEDIATE; body; COMMIT. Rolls back (and returns the error) if `body` or COMMIT
// fails. BEGIN IMMEDIATE takes the write lock up front, so a busy database shows up as
// UNAVAILABLE at BEGIN (after the busy timeout), never half-way through.
absl::Status InImmediateTransaction(sqlite3* db, const std::function<absl::Status()>& body);

// A prepared statement. Bind errors are remembered and reported by the next Step().
class Statement {
 public:
  // `persistent`: the statement is kept and reused many times (SQLITE_PREPARE_PERSISTENT).
  static absl::StatusOr<Statement> Prepare(sqlite3* db, std::string_view sql,
                                           bool persistent = false);

  // Parameters are numbered from 1, as in SQLite.
  void BindText(int index, std::string_view value);
  void BindInt64(int index, int64_t value);
  void BindNull(int index);

  // true: a row is available; false: done.
  absl::StatusOr<bool> Step();
  // Steps a statement that returns no rows.
  absl::Status Run();
  // Run(), then Reset(): for a prepared statement reused many times (the writer's SAVEPOINT).
  absl::Status RunAndReset();
  // Makes the statement ready to run again, with no parameters bound.
  void Reset();

  int64_t ColumnInt64(int column) const;
  std::string ColumnText(int column) const;
  bool ColumnIsNull(int column) const;

 private:
  Statement(sqlite3* db, SqliteStmtPtr stmt) : db_(db), stmt_(std::move(stmt)) {}
  void NoteBind(int rc, int index);

  sqlite3* db_;  // borrowed
  SqliteStmtPtr stmt_;
  absl::Status bind_status_;
};

// The current row of `statement` (after Step() returned true), as a ResultRow.
class StatementRow final : public ResultRow {
 public:
  explicit StatementRow(const Statement& statement) : statement_(statement) {}
  std::string Text(int column) const override { return statement_.ColumnText(column); }
  int64_t Int64(int column) const override { return statement_.ColumnInt64(column); }
  bool IsNull(int column) const override { return statement_.ColumnIsNull(column); }

 private:
  const Statement& statement_;
};

}  // namespace svidd::ledger::internal
