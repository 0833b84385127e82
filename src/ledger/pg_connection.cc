#include "ledger/pg_connection.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "svidd/common/status_macros.h"
#include "svidd/ledger/postgres_ledger.h"

namespace svidd::ledger::internal {
namespace {

absl::StatusCode CodeForSqlState(std::string_view state) {
  if (state == "23505") return absl::StatusCode::kAlreadyExists;  // unique_violation
  if (state == "40001" || state == "40P01") return absl::StatusCode::kAborted;
  if (state.starts_with("08") || state.starts_with("57P") || state == "53300" || state == "55P03") {
    return absl::StatusCode::kUnavailable;  // connection, shutdown, too many clients, lock
  }
  if (state == "25006") return absl::StatusCode::kFailedPrecondition;  // read-only transaction
  return absl::StatusCode::kInternal;
}

}  // namespace

std::string Trimmed(const char* message) {
  return std::string(absl::StripTrailingAsciiWhitespace(message == nullptr ? "" : message));
}

absl::StatusOr<int64_t> PgResult::Int64(int row, int col) const {
  const char* name = PQfname(result_.get(), col);
  if (IsNull(row, col)) {
    return absl::DataLossError(
        absl::StrCat("column ", name == nullptr ? "?" : name, " of row ", row, " is NULL"));
  }
  int64_t v = 0;
  if (!absl::SimpleAtoi(PQgetvalue(result_.get(), row, col), &v)) {
    return absl::DataLossError(absl::StrCat("column ", name == nullptr ? "?" : name, " of row ",
                                            row, " is not an integer"));
  }
  return v;
}

int64_t PgResult::Affected() const {
  int64_t v = 0;
  (void)absl::SimpleAtoi(PQcmdTuples(result_.get()), &v);
  return v;
}

absl::StatusOr<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& uri,
                                                                    bool read_only) {
  // connect_timeout first, so a value in the URI (expanded from dbname) overrides it.
  const char* keys[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
  const char* values[] = {"10", "svidd", uri.c_str(), nullptr};
  PgConnPtr conn(PQconnectdbParams(keys, values, /*expand_dbname=*/1));
  if (conn == nullptr) return absl::ResourceExhaustedError("libpq could not allocate a connection");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return absl::UnavailableError(RedactLibpqMessage(Trimmed(PQerrorMessage(conn.get())), uri));
  }
  std::unique_ptr<PgConnection> c(new PgConnection(std::move(conn), uri, read_only));
  if (read_only) {
    SVIDD_RETURN_IF_ERROR(
        c->Exec("SET default_transaction_read_only = on", {}, Resend::kIfLostWhileIdle).status());
  }
  return c;
}

absl::Status PgConnection::EnsureConnected() {
  if (PQstatus(conn_.get()) == CONNECTION_OK) return absl::OkStatus();
  PQreset(conn_.get());
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    return absl::UnavailableError(
        absl::StrCat("ledger database unreachable: ", Trimmed(PQerrorMessage(conn_.get()))));
  }
  if (read_only_) {
    PgResultPtr r(PQexec(conn_.get(), "SET default_transaction_read_only = on"));
    return ResultStatus(r.get(), "SET default_transaction_read_only");
  }
  return absl::OkStatus();
}

absl::Status PgConnection::ResultStatus(const PGresult* result, std::string_view sql) const {
  const ExecStatusType st = result == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(result);
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return absl::OkStatus();
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    return absl::UnavailableError(
        absl::StrCat("ledger database connection lost: ", Trimmed(PQerrorMessage(conn_.get()))));
  }
  const char* state = result == nullptr ? nullptr : PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const absl::StatusCode code =
      state == nullptr ? absl::StatusCode::kUnavailable : CodeForSqlState(state);
  const char* message =
      result == nullptr ? PQerrorMessage(conn_.get()) : PQresultErrorMessage(result);
  return absl::Status(code, Trimmed(message));
}

absl::StatusOr<PgResult> PgConnection::Exec(std::string_view sql,
                                            const std::vector<PgParam>& params, Resend resend) {
  SVIDD_RETURN_IF_ERROR(EnsureConnected());
  const std::string text(sql);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const PgParam& p : params) values.push_back(p.has_value() ? p->c_str() : nullptr);
  // Outside a transaction only: inside one, a lost session lost the transaction too.
  const bool retryable =
      resend == Resend::kIfLostWhileIdle && PQtransactionStatus(conn_.get()) == PQTRANS_IDLE;
  for (int attempt = 0;; ++attempt) {
    PgResultPtr result(PQexecParams(conn_.get(), text.c_str(), static_cast<int>(params.size()),
                                    nullptr, values.data(), nullptr, nullptr, 0));
    absl::Status status = ResultStatus(result.get(), sql);
    if (status.ok()) return PgResult(std::move(result));
    if (!retryable || attempt > 0 || PQstatus(conn_.get()) == CONNECTION_OK) return status;
    SVIDD_RETURN_IF_ERROR(EnsureConnected());
  }
}

absl::Status PgConnection::ExecScript(std::string_view sql) {
  SVIDD_RETURN_IF_ERROR(EnsureConnected());
  const std::string text(sql);
  PgResultPtr result(PQexec(conn_.get(), text.c_str()));
  return ResultStatus(result.get(), sql);
}

absl::Status PgConnection::InTransaction(const std::function<absl::Status()>& body) {
  SVIDD_RETURN_IF_ERROR(Exec("BEGIN", {}, Resend::kIfLostWhileIdle).status());
  absl::Status status = body();
  if (status.ok()) status = Exec("COMMIT").status();
  if (!status.ok() && PQstatus(conn_.get()) == CONNECTION_OK &&
      PQtransactionStatus(conn_.get()) != PQTRANS_IDLE) {
    PgResultPtr r(PQexec(conn_.get(), "ROLLBACK"));
  }
  return status;
}

PgConnectionPool::PgConnectionPool(std::vector<std::unique_ptr<PgConnection>> connections) {
  for (auto& c : connections) slots_.push_back(std::make_unique<Slot>(std::move(c)));
}

PgConnectionPool::Lease PgConnectionPool::Acquire() const {
  for (const auto& slot : slots_) {
    if (slot->mu.TryLock()) return Lease(slot.get());
  }
  size_t i;
  {
    MutexLock l(&next_mu_);
    i = next_++ % slots_.size();
  }
  slots_[i]->mu.Lock();
  return Lease(slots_[i].get());
}

std::string NumberedPlaceholders(std::string_view sql) {
  std::string out;
  int n = 0;
  bool quoted = false;
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '\'') quoted = !quoted;
    if (c != '?' || quoted) {
      out.push_back(c);
    } else if (i + 1 < sql.size() && absl::ascii_isdigit(sql[i + 1])) {
      out.push_back('$');  // ?N (SQLite's numbered form) is $N
    } else {
      absl::StrAppend(&out, "$", ++n);
    }
  }
  return out;
}

}  // namespace svidd::ledger::internal
