// RAII libpq handles for the PostgreSQL ledger: a connection that reconnects on demand, query
// results, and the mapping of libpq / SQLSTATE errors onto absl status codes (fixed here,
// where the error is made: a lost server is UNAVAILABLE, a unique violation ALREADY_EXISTS).
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "svidd/common/mutex.h"
#include "svidd/ledger/pg_handles.h"

namespace svidd::ledger::internal {

// A libpq message without its trailing newline (libpq's messages end in one; ours don't).
std::string Trimmed(const char* message);

// A parameter in text form; nullopt is SQL NULL.
using PgParam = std::optional<std::string>;

// The rows of a successful query. Values are read in text form.
class PgResult {
 public:
  explicit PgResult(PgResultPtr result) : result_(std::move(result)) {}
  int rows() const { return PQntuples(result_.get()); }
  std::string Text(int row, int col) const { return PQgetvalue(result_.get(), row, col); }
  // DATA_LOSS, naming the column, for NULL or a value that is not a 64-bit integer: a NULL read
  // as 0 would pass for a real value (a chain head at seq 0, schema version 0).
  absl::StatusOr<int64_t> Int64(int row, int col) const;
  bool IsNull(int row, int col) const { return PQgetisnull(result_.get(), row, col) != 0; }
  Oid Type(int col) const { return PQftype(result_.get(), col); }
  // Rows changed by an INSERT / UPDATE / DELETE.
  int64_t Affected() const;

 private:
  PgResultPtr result_;
};

class PgConnection {
 public:
  // Connects to `uri` (a libpq URI or key=value string). UNAVAILABLE with libpq's message
  // if the server cannot be reached or refuses us.
  static absl::StatusOr<std::unique_ptr<PgConnection>> Connect(const std::string& uri,
                                                               bool read_only);

  // Whether Exec may send a statement again. A session the server dropped while idle (a
  // restart) is only noticed on its next use. kIfLostWhileIdle: the statement changes nothing
  // by itself (a read, BEGIN, a SET), so if it failed because the session was lost outside a
  // transaction it is sent once more on a new session. kNever: it fails with UNAVAILABLE, since
  // it may or may not have happened. The caller says which; Exec does not guess from the SQL.
  enum class Resend { kNever, kIfLostWhileIdle };

  // One statement with $1.. parameters. A connection lost earlier is re-established first.
  absl::StatusOr<PgResult> Exec(std::string_view sql, const std::vector<PgParam>& params = {},
                                Resend resend = Resend::kNever);
  // Several statements without parameters (migrations).
  absl::Status ExecScript(std::string_view sql);
  // BEGIN; body; COMMIT — ROLLBACK if the body or the commit fails.
  absl::Status InTransaction(const std::function<absl::Status()>& body);

 private:
  PgConnection(PgConnPtr conn, std::string uri, bool read_only)
      : conn_(std::move(conn)), uri_(std::move(uri)), read_only_(read_only) {}
  absl::Status EnsureConnected();
  absl::Status ResultStatus(const PGresult* result, std::string_view sql) const;

  PgConnPtr conn_;
  const std::string uri_;
  const bool read_only_;
};

// A few connections lent out one caller at a time.
// A PgConnection is used by one thread at a time; whoever shares one holds the lock that
// guards it (here, and in the lease store).
class PgConnectionPool {
 public:
  explicit PgConnectionPool(std::vector<std::unique_ptr<PgConnection>> connections);

 private:
  struct Slot {
    explicit Slot(std::unique_ptr<PgConnection> c) : connection(std::move(c)) {}
    Mutex mu;
    std::unique_ptr<PgConnection> connection ABSL_GUARDED_BY(mu);
  };

 public:
  // One connection, locked for as long as the lease lives (the lock moves with it). The
  // analysis cannot follow a lock across a return, so Acquire and the destructor are exempt
  // and the accessors assert what Acquire made true.
  class Lease {
   public:
    Lease(Lease&& other) noexcept : slot_(std::exchange(other.slot_, nullptr)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      if (slot_ != nullptr) slot_->mu.Unlock();
    }
    PgConnection* operator->() const {
      slot_->mu.AssertHeld();
      return slot_->connection.get();
    }
    PgConnection& operator*() const { return *operator->(); }

   private:
    friend class PgConnectionPool;
    explicit Lease(Slot* locked) : slot_(locked) {}
    Slot* slot_;
  };
  Lease Acquire() const ABSL_NO_THREAD_SAFETY_ANALYSIS;

 private:
  std::vector<std::unique_ptr<Slot>> slots_;  // non-empty
  mutable Mutex next_mu_;
  mutable size_t next_ ABSL_GUARDED_BY(next_mu_) = 0;
};

// `sql` with each `?` replaced by $1, $2, ... in order (the shared query builders write `?`)
// and each `?N` by `$N`.
std::string NumberedPlaceholders(std::string_view sql);

}  // namespace svidd::ledger::internal
