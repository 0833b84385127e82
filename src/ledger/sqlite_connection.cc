#include "ledger/sqlite_connection.h"

#include <system_error>

#include "absl/strings/str_cat.h"
#include "svidd/common/status_macros.h"

namespace svidd::ledger::internal {
namespace {

absl::StatusOr<std::string> QueryText(sqlite3* db, const char* sql) {
  SVIDD_ASSIGN_OR_RETURN(Statement stmt, Statement::Prepare(db, sql));
  SVIDD_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return absl::InternalError(absl::StrCat("\"", sql, "\" returned no row"));
  return stmt.ColumnText(0);
}

// Durability: synchronous=FULL. In WAL mode NORMAL can lose the last commits on power loss
// (no corruption, but a rolled-back tail), and svidd hands a certificate out only after its
// record is durable: losing that record would leave a valid certificate nobody can revoke
// or audit. Group commit spreads the extra fsync over every record in the batch.
absl::Status ConfigureReadWrite(sqlite3* db, const std::filesystem::path& path) {
  if (IsInMemory(path)) return absl::OkStatus();  // one connection; no journal to speak of
  SVIDD_ASSIGN_OR_RETURN(std::string mode, QueryText(db, "PRAGMA journal_mode=WAL"));
  if (mode != "wal") {
    return absl::FailedPreconditionError(absl::StrCat("ledger ", path.string(),
                                                      " cannot use WAL journaling (got \"", mode,
                                                      "\"); is it on a network file system?"));
  }
  return Exec(db, "PRAGMA synchronous=FULL");
}

}  // namespace

bool IsInMemory(const std::filesystem::path& path) { return path == ":memory:"; }

absl::StatusOr<SqliteDbPtr> OpenDatabase(const std::filesystem::path& path,
                                         const ConnectionOptions& options) {
  std::error_code ec;
  if (options.read_only && !IsInMemory(path) && !std::filesystem::exists(path, ec)) {
    return absl::NotFoundError(absl::StrCat("no ledger at ", path.string(),
                                            " (start svidd once to create it, or check the "
                                            "data directory)"));
  }
  int flags =
      SQLITE_OPEN_NOMUTEX |
      (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  SqliteDbPtr handle(raw);  // sqlite3_open_v2 allocates a handle even when it fails
  if (rc != SQLITE_OK) {
    return SqliteError(raw, rc, absl::StrCat("opening ledger ", path.string()));
  }
  sqlite3* db = handle.get();
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
  if (!options.read_only) SVIDD_RETURN_IF_ERROR(ConfigureReadWrite(db, path));
  SVIDD_RETURN_IF_ERROR(Exec(db, "PRAGMA foreign_keys=ON"));
  return handle;
}

absl::StatusOr<std::shared_ptr<Connection>> OpenConnection(const std::filesystem::path& path,
                                                           const ConnectionOptions& options) {
  SVIDD_ASSIGN_OR_RETURN(SqliteDbPtr handle, OpenDatabase(path, options));
  return std::make_shared<Connection>(std::move(handle));
}

ConnectionPool::Lease ConnectionPool::Acquire() const {
  for (const auto& c : connections_) {
    if (c->mu.TryLock()) return Lease(c.get());
  }
  Connection* c = connections_[next_.fetch_add(1) % connections_.size()].get();
  c->mu.Lock();
  return Lease(c);
}

}  // namespace svidd::ledger::internal
