// LeaseStore on the PostgreSQL ledger (migrations/postgres/0007_leases.sql): the same
// conditional upsert as on SQLite (ledger_tables.h). Concurrent takers are ordered by the row's
// lock: the second one's WHERE sees the first one's lease and changes nothing.
#include "absl/strings/str_cat.h"
#include "ledger/ledger_tables.h"
#include "ledger/pg_connection.h"
#include "ledger/pg_rows.h"
#include "svidd/common/status_macros.h"
#include "svidd/ledger/lease_store.h"
#include "svidd/ledger/postgres_ledger.h"

namespace svidd::ledger {
namespace {

using internal::NumberedPlaceholders;
using internal::PgConnection;
using internal::PgResult;
using internal::UnixMillis;

class PostgresLeaseStore final : public LeaseStore {
 public:
  PostgresLeaseStore(std::unique_ptr<PgConnection> connection, std::string name)
      : connection_(std::move(connection)), name_(std::move(name)) {}

  absl::StatusOr<LeaseRecord> TryAcquire(std::string_view name, std::string_view holder,
                                         TimePoint now, std::chrono::milliseconds ttl) override {
    MutexLock lock(&mu_);
    PgConnection& connection = *connection_;  // the lambda below runs under this lock
    LeaseRecord record;
    absl::Status status = connection.InTransaction([&]() -> absl::Status {
      SVIDD_RETURN_IF_ERROR(
          connection
              .Exec(NumberedPlaceholders(internal::kAcquireLeaseSql),
                    {std::string(name), std::string(holder), std::to_string(UnixMillis(now + ttl)),
                     std::to_string(UnixMillis(now))})
              .status());
      SVIDD_ASSIGN_OR_RETURN(
          PgResult row,
          connection.Exec(NumberedPlaceholders(internal::kSelectLeaseSql), {std::string(name)}));
      if (row.rows() != 1) {
        return absl::InternalError(absl::StrCat("lease ", std::string(name), " vanished"));
      }
      record = internal::ReadLeaseRow(internal::PgRow(row, 0));
      return absl::OkStatus();
    });
    if (!status.ok()) {
      return absl::Status(status.code(), absl::StrCat("lease ", std::string(name), " in ledger ",
                                                      name_, ": ", status.message()));
    }
    return record;
  }

  absl::Status Release(std::string_view name, std::string_view holder) override {
    MutexLock lock(&mu_);
    return connection_
        ->Exec(NumberedPlaceholders(internal::kReleaseLeaseSql),
               {std::string(name), std::string(holder)})
        .status();
  }

 private:
  Mutex mu_;  // the connection is used by one thread at a time
  std::unique_ptr<PgConnection> connection_ ABSL_GUARDED_BY(mu_);
  const std::string name_;  // the ledger URI without its password
};

}  // namespace

absl::StatusOr<std::unique_ptr<LeaseStore>> OpenPostgresLeaseStore(const std::string& uri) {
  const std::string name = RedactLedgerUri(uri);
  absl::StatusOr<std::unique_ptr<PgConnection>> connection =
      PgConnection::Connect(uri, /*read_only=*/false);
  if (!connection.ok()) {
    return absl::Status(connection.status().code(),
                        absl::StrCat("ledger ", name, ": ", connection.status().message()));
  }
  return std::make_unique<PostgresLeaseStore>(std::move(*connection), name);
}

}  // namespace svidd::ledger
