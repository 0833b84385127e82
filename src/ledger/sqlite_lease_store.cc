// LeaseStore on the SQLite ledger (migrations/0007_leases.sql). One connection of its own,
// so a lease is renewed even while the group-commit writer is busy.
#include "absl/strings/str_cat.h"
#include "ledger/sqlite_connection.h"
#include "svidd/common/status_macros.h"
#include "svidd/ledger/lease_store.h"

namespace svidd {
namespace {

using internal::Connection;
using internal::Statement;

int64_t UnixMillis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

TimePoint FromUnixMillis(int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

// Inserts the lease, or takes it over when it expired, or extends it for its holder; leaves
// someone else's unexpired lease alone. The same statement runs on PostgreSQL.
constexpr char kAcquireSql[] =
    "INSERT INTO leases (name, holder, expires_at_ms, acquired_at_ms, term) "
    "VALUES (?1, ?2, ?3, ?4, 1) "
    "ON CONFLICT (name) DO UPDATE SET "
    "  term = CASE WHEN leases.holder = excluded.holder THEN leases.term ELSE leases.term + 1 END,"
    "  acquired_at_ms = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at_ms "
    "                   ELSE excluded.acquired_at_ms END,"
    "  holder = excluded.holder, expires_at_ms = excluded.expires_at_ms "
    "WHERE leases.holder = excluded.holder OR leases.expires_at_ms <= excluded.acquired_at_ms";

class SqliteLeaseStore final : public LeaseStore {
 public:
  explicit SqliteLeaseStore(std::shared_ptr<Connection> connection)
      : connection_(std::move(connection)) {}

  absl::StatusOr<LeaseRecord> TryAcquire(std::string_view name, std::string_view holder,
                                         TimePoint now, std::chrono::milliseconds ttl) override {
    std::lock_guard<std::mutex> lock(connection_->mu);
    sqlite3* db = connection_->db.get();
    LeaseRecord record;
    absl::Status status = internal::InImmediateTransaction(db, [&]() -> absl::Status {
      SVIDD_ASSIGN_OR_RETURN(Statement upsert, Statement::Prepare(db, kAcquireSql));
      upsert.BindText(1, name);
      upsert.BindText(2, holder);
      upsert.BindInt64(3, UnixMillis(now + ttl));
      upsert.BindInt64(4, UnixMillis(now));
      SVIDD_RETURN_IF_ERROR(upsert.Run());
      SVIDD_ASSIGN_OR_RETURN(
          Statement select,
          Statement::Prepare(db, "SELECT holder, expires_at_ms, term FROM leases WHERE name = ?1"));
      select.BindText(1, name);
      SVIDD_ASSIGN_OR_RETURN(bool found, select.Step());
      if (!found)
        return absl::InternalError(absl::StrCat("lease ", std::string(name), " vanished"));
      record.holder = select.ColumnText(0);
      record.expires_at = FromUnixMillis(select.ColumnInt64(1));
      record.term = select.ColumnInt64(2);
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return record;
  }

  absl::Status Release(std::string_view name, std::string_view holder) override {
    std::lock_guard<std::mutex> lock(connection_->mu);
    sqlite3* db = connection_->db.get();
    SVIDD_ASSIGN_OR_RETURN(
        Statement update,
        Statement::Prepare(db,
                           "UPDATE leases SET expires_at_ms = 0 WHERE name = ?1 AND holder = ?2"));
    update.BindText(1, name);
    update.BindText(2, holder);
    return update.Run();
  }

 private:
  std::shared_ptr<Connection> connection_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<LeaseStore>> OpenSqliteLeaseStore(
    const std::filesystem::path& path) {
  if (internal::IsInMemory(path)) {
    return absl::InvalidArgumentError("leases need a ledger file another process can open");
  }
  SVIDD_ASSIGN_OR_RETURN(std::shared_ptr<Connection> connection,
                         internal::OpenConnection(path, internal::ConnectionOptions{}));
  return std::make_unique<SqliteLeaseStore>(std::move(connection));
}

}  // namespace svidd
