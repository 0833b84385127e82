// SqliteLedger's own bookkeeping for operators: refusal counts per hour and the admin API's
// audit log (migration 0004). Written through the writer, one transaction per call; read on
// the pooled connections.
#include "absl/strings/str_cat.h"
#include "ledger/ledger_tables.h"
#include "ledger/sqlite_ledger_impl.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"

namespace svidd::ledger::internal {
namespace {

constexpr char kAddRefusalsSql[] =
    "INSERT INTO refusal_counts (hour, reason, count) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (hour, reason) DO UPDATE SET count = count + excluded.count";

}  // namespace

absl::Status SqliteLedger::AddRefusalCounts(const std::vector<RefusalCount>& counts) {
  if (writer_ == nullptr) return ReadOnlyError("record refusal counts");
  if (counts.empty()) return absl::OkStatus();
  return writer_->Execute([&](sqlite3* db) -> absl::Status {
    SVIDD_ASSIGN_OR_RETURN(Statement insert, Statement::Prepare(db, kAddRefusalsSql));
    for (const RefusalCount& c : counts) {
      insert.Reset();
      insert.BindInt64(1, RefusalHourSeconds(c.hour));
      insert.BindText(2, c.reason);
      insert.BindInt64(3, c.count);
      SVIDD_RETURN_IF_ERROR(insert.Run());
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<RefusalCount>> SqliteLedger::ListRefusalCounts(TimePoint since) const {
  ConnectionPool::Lease conn = readers_->Acquire();
  SVIDD_ASSIGN_OR_RETURN(Statement stmt, Statement::Prepare(conn.db(), kListRefusalsSql));
  stmt.BindInt64(1, RefusalHourSeconds(since));
  std::vector<RefusalCount> out;
  for (;;) {
    SVIDD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return out;
    out.push_back(ReadRefusalCountRow(StatementRow(stmt)));
  }
}

absl::Status SqliteLedger::RecordAdminCall(const AdminCallRecord& call) {
  if (writer_ == nullptr) return ReadOnlyError("record an admin call");
  return writer_->Execute([&](sqlite3* db) -> absl::Status {
    SVIDD_ASSIGN_OR_RETURN(Statement insert, Statement::Prepare(db, kInsertAdminCallSql));
    insert.BindInt64(1, ToUnixSeconds(call.at));
    insert.BindText(2, call.caller_id);
    insert.BindText(3, call.caller_principal);
    insert.BindText(4, call.peer);
    insert.BindText(5, call.method);
    insert.BindText(6, call.arguments);
    insert.BindText(7, call.outcome);
    insert.BindText(8, call.message);
    return insert.Run();
  });
}

absl::StatusOr<std::vector<AdminCallRecord>> SqliteLedger::ListAdminCalls(TimePoint since,
                                                                          size_t limit) const {
  ConnectionPool::Lease conn = readers_->Acquire();
  SVIDD_ASSIGN_OR_RETURN(Statement stmt, Statement::Prepare(conn.db(), kListAdminCallsSql));
  stmt.BindInt64(1, ToUnixSeconds(since));
  stmt.BindInt64(2, limit == 0 ? -1 : static_cast<int64_t>(limit));
  std::vector<AdminCallRecord> out;
  for (;;) {
    SVIDD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return out;
    out.push_back(ReadAdminCallRow(StatementRow(stmt)));
  }
}

}  // namespace svidd::ledger::internal
