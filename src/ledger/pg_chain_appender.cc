#include "ledger/pg_chain_appender.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "ledger/ledger_tables.h"
#include "ledger/pg_rows.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/ledger/event_chain.h"

namespace svidd::ledger::internal {

absl::Status PgChainAppender::LockHead() {
  SVIDD_ASSIGN_OR_RETURN(
      PgResult row, conn_.Exec("SELECT seq, hash FROM ledger_chain_head WHERE id = 1 FOR UPDATE"));
  if (row.rows() != 1)
    return absl::DataLossError("ledger_chain_head has no row: the schema was altered");
  SVIDD_ASSIGN_OR_RETURN(locked_seq_, row.Int64(0, 0));
  StartFrom(ChainHead{locked_seq_, row.Text(0, 1)});
  return absl::OkStatus();
}

namespace {

constexpr int kEventColumns = 7;  // kInsertEventSql's parameters

void AppendEventParams(const LedgerEvent& e, std::vector<PgParam>& params) {
  params.insert(params.end(),
                {std::to_string(e.seq), std::string(EventKindName(e.kind)), e.serial_hex,
                 std::to_string(ToUnixSeconds(e.at)), e.content_sha256, e.prev_hash, e.hash});
}

}  // namespace

absl::Status PgChainAppender::InsertEvent(const LedgerEvent& e) {
  if (sending_ == Sending::kBatched) {
    unsent_.push_back(e);
    return absl::OkStatus();
  }
  static const std::string kInsert = NumberedPlaceholders(kInsertEventSql);
  std::vector<PgParam> params;
  AppendEventParams(e, params);
  return conn_.Exec(kInsert, params).status();
}

absl::Status PgChainAppender::Flush() {
  for (size_t first = 0; first < unsent_.size(); first += kMaxRowsPerInsert) {
    const size_t rows = std::min(kMaxRowsPerInsert, unsent_.size() - first);
    std::vector<PgParam> params;
    params.reserve(rows * kEventColumns);
    for (size_t i = first; i < first + rows; ++i) AppendEventParams(unsent_[i], params);
    absl::Status sent =
        conn_.Exec(MultiRowInsertSql(kInsertEventSql, kEventColumns, rows), params).status();
    if (!sent.ok()) {
      return absl::Status(sent.code(),
                          absl::StrCat("appending events ", unsent_[first].seq, "..",
                                       unsent_[first + rows - 1].seq, ": ", sent.message()));
    }
  }
  unsent_.clear();
  return absl::OkStatus();
}

absl::Status PgChainAppender::StoreHead() {
  SVIDD_RETURN_IF_ERROR(Flush());
  if (head().seq == locked_seq_) return absl::OkStatus();
  return conn_
      .Exec("UPDATE ledger_chain_head SET seq = $1, hash = $2 WHERE id = 1",
            {std::to_string(head().seq), head().hash})
      .status();
}

absl::StatusOr<ChainHead> ReadPgChainHead(PgConnection& conn) {
  SVIDD_ASSIGN_OR_RETURN(
      PgResult row, conn.Exec(kSelectChainHeadSql, {}, PgConnection::Resend::kIfLostWhileIdle));
  if (row.rows() == 0) return ChainHead{0, kGenesisHash};
  SVIDD_ASSIGN_OR_RETURN(int64_t seq, row.Int64(0, 0));
  return ChainHead{seq, row.Text(0, 1)};
}

}  // namespace svidd::ledger::internal
