#include "ledger/pg_chain_appender.h"

#include "ledger/ledger_tables.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/ledger/event_chain.h"

namespace svidd::internal {

absl::Status PgChainAppender::LockHead() {
  SVIDD_ASSIGN_OR_RETURN(
      PgResult row, conn_.Exec("SELECT seq, hash FROM ledger_chain_head WHERE id = 1 FOR UPDATE"));
  if (row.rows() != 1)
    return absl::DataLossError("ledger_chain_head has no row: the schema was altered");
  locked_seq_ = row.Int64(0, 0);
  StartFrom(ChainHead{locked_seq_, row.Text(0, 1)});
  return absl::OkStatus();
}

absl::Status PgChainAppender::InsertEvent(const LedgerEvent& e) {
  static const std::string kInsert = NumberedPlaceholders(kInsertEventSql);
  return conn_
      .Exec(kInsert, {std::to_string(e.seq), std::string(EventKindName(e.kind)), e.serial_hex,
                      std::to_string(ToUnixSeconds(e.at)), e.content_sha256, e.prev_hash, e.hash})
      .status();
}

absl::Status PgChainAppender::StoreHead() {
  if (head().seq == locked_seq_) return absl::OkStatus();
  return conn_
      .Exec("UPDATE ledger_chain_head SET seq = $1, hash = $2 WHERE id = 1",
            {std::to_string(head().seq), head().hash})
      .status();
}

absl::StatusOr<ChainHead> ReadPgChainHead(PgConnection& conn) {
  SVIDD_ASSIGN_OR_RETURN(PgResult row, conn.Exec(kSelectChainHeadSql));
  if (row.rows() == 0) return ChainHead{0, kGenesisHash};
  return ChainHead{row.Int64(0, 0), row.Text(0, 1)};
}

}  // namespace svidd::internal
