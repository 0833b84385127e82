#include "ledger/sqlite_handle.h"

#include "absl/strings/str_cat.h"

namespace svidd::ledger::internal {

absl::StatusCode SqliteResultToStatusCode(int rc) {
  // A unique key already taken is the one constraint whose kind callers act on (a duplicate
  // serial is retried with a fresh one): decided here by the extended code, as PostgreSQL's
  // unique_violation is in pg_connection.cc.
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return absl::StatusCode::kAlreadyExists;
  }
  switch (rc & 0xff) {
    case SQLITE_OK:
      return absl::StatusCode::kOk;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
      return absl::StatusCode::kUnavailable;
    case SQLITE_CONSTRAINT:
      return absl::StatusCode::kInvalidArgument;
    case SQLITE_READONLY:
    case SQLITE_NOTADB:
      return absl::StatusCode::kFailedPrecondition;
    case SQLITE_CORRUPT:
      return absl::StatusCode::kDataLoss;
    case SQLITE_CANTOPEN:
      return absl::StatusCode::kNotFound;
    default:
      return absl::StatusCode::kInternal;
  }
}

absl::Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string message = absl::StrCat(std::string(what), ": ", detail);
  const char* code_text = sqlite3_errstr(rc);
  if (code_text != nullptr && detail != code_text) {
    absl::StrAppend(&message, " (", code_text, ")");
  }
  return absl::Status(SqliteResultToStatusCode(rc), message);
}

absl::Status Exec(sqlite3* db, const char* sql) {
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db, rc, absl::StrCat("running \"", sql, "\""));
  return absl::OkStatus();
}

absl::Status InImmediateTransaction(sqlite3* db, const std::function<absl::Status()>& body) {
  absl::Status status = Exec(db, "BEGIN IMMEDIATE");
  if (!status.ok()) return status;
  status = body();
  if (status.ok()) status = Exec(db, "COMMIT");
  // A failed COMMIT may leave the transaction open (e.g. SQLITE_BUSY); never leave it so.
  if (!status.ok() && sqlite3_get_autocommit(db) == 0) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  return status;
}

absl::StatusOr<Statement> Statement::Prepare(sqlite3* db, std::string_view sql, bool persistent) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                              persistent ? SQLITE_PREPARE_PERSISTENT : 0, &raw, nullptr);
  SqliteStmtPtr stmt(raw);
  if (rc != SQLITE_OK) {
    return SqliteError(db, rc, absl::StrCat("preparing \"", std::string(sql), "\""));
  }
  return Statement(db, std::move(stmt));
}

void Statement::NoteBind(int rc, int index) {
  if (rc != SQLITE_OK && bind_status_.ok()) {
    bind_status_ = SqliteError(db_, rc, absl::StrCat("binding parameter ", index));
  }
}

void Statement::BindText(int index, std::string_view value) {
  NoteBind(sqlite3_bind_text64(stmt_.get(), index, value.data(), value.size(), SQLITE_TRANSIENT,
                               SQLITE_UTF8),
           index);
}

void Statement::BindInt64(int index, int64_t value) {
  NoteBind(sqlite3_bind_int64(stmt_.get(), index, value), index);
}

void Statement::BindNull(int index) { NoteBind(sqlite3_bind_null(stmt_.get(), index), index); }

absl::StatusOr<bool> Statement::Step() {
  if (!bind_status_.ok()) return bind_status_;
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, rc, absl::StrCat("running \"", sqlite3_sql(stmt_.get()), "\""));
}

absl::Status Statement::Run() {
  absl::StatusOr<bool> row = Step();
  if (!row.ok()) return row.status();
  if (*row) return absl::InternalError("statement returned a row where none was expected");
  return absl::OkStatus();
}

absl::Status Statement::RunAndReset() {
  absl::Status status = Run();
  Reset();
  return status;
}

void Statement::Reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
  bind_status_ = absl::OkStatus();
}

int64_t Statement::ColumnInt64(int column) const {
  return sqlite3_column_int64(stmt_.get(), column);
}

std::string Statement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_.get(), column);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_.get(), column)));
}

bool Statement::ColumnIsNull(int column) const {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

void InterruptWhen(sqlite3* db, const std::function<bool()>* stop) {
  if (stop == nullptr) {
    sqlite3_progress_handler(db, 0, nullptr, nullptr);
    return;
  }
  constexpr int kStepsBetweenLooks = 100000;
  sqlite3_progress_handler(
      db, kStepsBetweenLooks,
      [](void* asked) -> int {
        return (*static_cast<const std::function<bool()>*>(asked))() ? 1 : 0;
      },
      const_cast<std::function<bool()>*>(stop));
}

}  // namespace svidd::ledger::internal
