// LeaseStore on the SQLite ledger (migrations/0007_leases.sql), with the statements it shares
// with PostgreSQL (ledger_tables.h). One connection of its own, so a lease is renewed even while
// the group-commit writer is busy.
#include "absl/strings/str_cat.h"
#include "ledger/ledger_tables.h"
#include "ledger/sqlite_connection.h"
#include "svidd/common/status_macros.h"
#include "svidd/ledger/lease_store.h"

namespace svidd::ledger {
namespace {

using internal::Connection;
using internal::Statement;
using internal::UnixMillis;

class SqliteLeaseStore final : public LeaseStore {
 public:
  explicit SqliteLeaseStore(std::shared_ptr<Connection> connection)
      : connection_(std::move(connection)) {}

  absl::StatusOr<LeaseRecord> TryAcquire(std::string_view name, std::string_view holder,
                                         TimePoint now, std::chrono::milliseconds ttl) override {
    MutexLock lock(&connection_->mu);
    sqlite3* db = connection_->db.get();
    LeaseRecord record;
    absl::Status status = internal::InImmediateTransaction(db, [&]() -> absl::Status {
      SVIDD_ASSIGN_OR_RETURN(Statement upsert, Statement::Prepare(db, internal::kAcquireLeaseSql));
      upsert.BindText(1, name);
      upsert.BindText(2, holder);
      upsert.BindInt64(3, UnixMillis(now + ttl));
      upsert.BindInt64(4, UnixMillis(now));
      SVIDD_RETURN_IF_ERROR(upsert.Run());
      SVIDD_ASSIGN_OR_RETURN(Statement select, Statement::Prepare(db, internal::kSelectLeaseSql));
      select.BindText(1, name);
      SVIDD_ASSIGN_OR_RETURN(bool found, select.Step());
      if (!found)
        return absl::InternalError(absl::StrCat("lease ", std::string(name), " vanished"));
      record = internal::ReadLeaseRow(internal::StatementRow(select));
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return record;
  }

  absl::Status Release(std::string_view name, std::string_view holder) override {
    MutexLock lock(&connection_->mu);
    sqlite3* db = connection_->db.get();
    SVIDD_ASSIGN_OR_RETURN(Statement update, Statement::Prepare(db, internal::kReleaseLeaseSql));
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

}  // namespace svidd::ledger
