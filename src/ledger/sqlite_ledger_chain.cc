// SqliteLedger's event log: the chain head, single events, and signed checkpoints.
#include "absl/strings/str_cat.h"
#include "ledger/checkpoint_admission.h"
#include "ledger/checkpoint_rows.h"
#include "ledger/event_appender.h"
#include "ledger/sqlite_ledger_impl.h"
#include "svidd/common/status_macros.h"

namespace svidd::ledger::internal {
namespace {

// The hash of event `seq`, if the log has it.
absl::StatusOr<std::optional<std::string>> EventHashAt(sqlite3* db, int64_t seq) {
  SVIDD_ASSIGN_OR_RETURN(Statement select, Statement::Prepare(db, kSelectEventHashSql));
  select.BindInt64(1, seq);
  SVIDD_ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) return std::nullopt;
  return select.ColumnText(0);
}

}  // namespace

absl::StatusOr<ChainHead> SqliteLedger::GetChainHead() const {
  ConnectionPool::Lease conn = readers_->Acquire();
  return ReadChainHead(conn.db());
}

absl::StatusOr<LedgerEvent> SqliteLedger::GetEvent(int64_t seq) const {
  ConnectionPool::Lease conn = readers_->Acquire();
  SVIDD_ASSIGN_OR_RETURN(
      Statement select,
      Statement::Prepare(conn.db(), absl::StrCat(kSelectEventsSql, " WHERE seq = ?1")));
  select.BindInt64(1, seq);
  SVIDD_ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) {
    return absl::NotFoundError(absl::StrCat("no ledger event ", seq, " in ", path_.string()));
  }
  return ReadEventRow(StatementRow(select));
}

absl::StatusOr<std::vector<LedgerEvent>> SqliteLedger::ListEvents(const EventRange& range) const {
  ConnectionPool::Lease conn = readers_->Acquire();
  SVIDD_ASSIGN_OR_RETURN(
      Statement select,
      Statement::Prepare(conn.db(), absl::StrCat(kSelectEventsSql,
                                                 " WHERE seq > ?1 AND seq <= ?2 AND (?3 IS NULL "
                                                 "OR kind = ?3) ORDER BY seq")));
  select.BindInt64(1, range.after_seq);
  select.BindInt64(2, range.through_seq);
  if (range.kind.has_value()) {
    select.BindText(3, EventKindName(*range.kind));
  } else {
    select.BindNull(3);
  }
  std::vector<LedgerEvent> events;
  while (true) {
    SVIDD_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    SVIDD_ASSIGN_OR_RETURN(LedgerEvent event, ReadEventRow(StatementRow(select)));
    events.push_back(std::move(event));
  }
  return events;
}

absl::StatusOr<std::optional<LedgerCheckpoint>> SqliteLedger::LatestCheckpoint() const {
  ConnectionPool::Lease conn = readers_->Acquire();
  return ReadLatestCheckpoint(conn.db());
}

absl::Status SqliteLedger::RecordCheckpoint(const LedgerCheckpoint& checkpoint) {
  if (writer_ == nullptr) return ReadOnlyError("record a checkpoint");
  return writer_->Execute([&](sqlite3* db) -> absl::Status {
    SVIDD_RETURN_IF_ERROR(AdmitCheckpoint(
        checkpoint, {.event_hash = [db](int64_t seq) { return EventHashAt(db, seq); },
                     .latest_checkpoint = [db] { return ReadLatestCheckpoint(db); }}));
    return InsertCheckpoint(db, checkpoint);
  });
}

}  // namespace svidd::ledger::internal
