#include "ledger/event_appender.h"

#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/ledger/event_chain.h"

namespace svidd::ledger::internal {
namespace {

absl::StatusOr<ChainHead> StepHead(Statement& select) {
  select.Reset();
  SVIDD_ASSIGN_OR_RETURN(bool found, select.Step());
  ChainHead head{0, kGenesisHash};
  if (found) head = ChainHead{select.ColumnInt64(0), select.ColumnText(1)};
  select.Reset();
  return head;
}

}  // namespace

absl::StatusOr<ChainHead> ReadChainHead(sqlite3* db) {
  SVIDD_ASSIGN_OR_RETURN(Statement select, Statement::Prepare(db, kSelectChainHeadSql));
  return StepHead(select);
}

absl::StatusOr<EventAppender> EventAppender::Prepare(sqlite3* db, bool persistent) {
  SVIDD_ASSIGN_OR_RETURN(Statement select, Statement::Prepare(db, kSelectChainHeadSql, persistent));
  SVIDD_ASSIGN_OR_RETURN(Statement insert, Statement::Prepare(db, kInsertEventSql, persistent));
  return EventAppender(std::move(select), std::move(insert));
}

absl::Status EventAppender::LoadHead() {
  SVIDD_ASSIGN_OR_RETURN(ChainHead head, StepHead(select_head_));
  StartFrom(std::move(head));
  return absl::OkStatus();
}

absl::Status EventAppender::InsertEvent(const LedgerEvent& e) {
  insert_.Reset();
  insert_.BindInt64(1, e.seq);
  insert_.BindText(2, EventKindName(e.kind));
  insert_.BindText(3, e.serial_hex);
  insert_.BindInt64(4, ToUnixSeconds(e.at));
  insert_.BindText(5, e.content_sha256);
  insert_.BindText(6, e.prev_hash);
  insert_.BindText(7, e.hash);
  absl::Status status = insert_.Run();
  insert_.Reset();
  return status;
}

}  // namespace svidd::ledger::internal
