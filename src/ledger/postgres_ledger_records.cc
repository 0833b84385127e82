// PostgresLedger's event log (chain head, events, checkpoints) and operator bookkeeping
// (refusal counts per hour, the admin API's audit log).
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ledger/checkpoint_admission.h"
#include "ledger/ledger_tables.h"
#include "ledger/pg_chain_appender.h"
#include "ledger/pg_rows.h"
#include "ledger/postgres_ledger_impl.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"

namespace svidd::ledger::internal {
namespace {

// The hash of event `seq`, if the log has it.
absl::StatusOr<std::optional<std::string>> PgEventHashAt(PgConnection& conn, int64_t seq) {
  static const std::string kSql = NumberedPlaceholders(kSelectEventHashSql);
  SVIDD_ASSIGN_OR_RETURN(
      PgResult row, conn.Exec(kSql, {std::to_string(seq)}, PgConnection::Resend::kIfLostWhileIdle));
  if (row.rows() == 0) return std::nullopt;
  return row.Text(0, 0);
}

absl::StatusOr<std::optional<LedgerCheckpoint>> ReadLatest(PgConnection& conn) {
  SVIDD_ASSIGN_OR_RETURN(
      PgResult rows,
      conn.Exec(absl::StrCat(kSelectCheckpointsSql, " ORDER BY event_seq DESC, id DESC LIMIT 1"),
                {}, PgConnection::Resend::kIfLostWhileIdle));
  if (rows.rows() == 0) return std::nullopt;
  SVIDD_ASSIGN_OR_RETURN(LedgerCheckpoint latest, ReadPgCheckpointRow(rows, 0));
  return latest;
}

}  // namespace

absl::StatusOr<ChainHead> PostgresLedger::GetChainHead() const {
  PgConnectionPool::Lease conn = readers_->Acquire();
  return ReadPgChainHead(*conn);
}

absl::StatusOr<LedgerEvent> PostgresLedger::GetEvent(int64_t seq) const {
  PgConnectionPool::Lease conn = readers_->Acquire();
  SVIDD_ASSIGN_OR_RETURN(PgResult rows,
                         conn->Exec(absl::StrCat(kSelectEventsSql, " WHERE seq = $1"),
                                    {std::to_string(seq)}, PgConnection::Resend::kIfLostWhileIdle));
  if (rows.rows() == 0)
    return absl::NotFoundError(absl::StrCat("no ledger event ", seq, " in ledger ", name_));
  return ReadEventRow(PgRow(rows, 0));
}

absl::StatusOr<std::vector<LedgerEvent>> PostgresLedger::ListEvents(const EventRange& range) const {
  PgConnectionPool::Lease conn = readers_->Acquire();
  PgParam kind;
  if (range.kind.has_value()) kind = EventKindName(*range.kind);
  SVIDD_ASSIGN_OR_RETURN(
      PgResult rows,
      conn->Exec(absl::StrCat(kSelectEventsSql,
                              " WHERE seq > $1 AND seq <= $2 AND ($3::text IS NULL OR kind = $3)"
                              " ORDER BY seq"),
                 {std::to_string(range.after_seq), std::to_string(range.through_seq), kind},
                 PgConnection::Resend::kIfLostWhileIdle));
  std::vector<LedgerEvent> events;
  for (int i = 0; i < rows.rows(); ++i) {
    SVIDD_ASSIGN_OR_RETURN(LedgerEvent event, ReadEventRow(PgRow(rows, i)));
    events.push_back(std::move(event));
  }
  return events;
}

absl::StatusOr<std::optional<LedgerCheckpoint>> PostgresLedger::LatestCheckpoint() const {
  PgConnectionPool::Lease conn = readers_->Acquire();
  return ReadLatest(*conn);
}

// Under the chain-head lock, so no replica appends or checkpoints in between.
absl::Status PostgresLedger::RecordCheckpoint(const LedgerCheckpoint& c) {
  if (writer_ == nullptr) return ReadOnlyError("record a checkpoint");
  PgConnectionPool::Lease conn = readers_->Acquire();
  return conn->InTransaction([&]() -> absl::Status {
    PgChainAppender chain(*conn);
    SVIDD_RETURN_IF_ERROR(chain.LockHead());
    SVIDD_RETURN_IF_ERROR(
        AdmitCheckpoint(c, {.event_hash = [&](int64_t seq) { return PgEventHashAt(*conn, seq); },
                            .latest_checkpoint = [&] { return ReadLatest(*conn); }}));
    return conn
        ->Exec(
            NumberedPlaceholders(kInsertCheckpointSql),
            {std::to_string(c.event_seq), c.head_hash, std::to_string(ToUnixSeconds(c.signed_at)),
             c.signer_chain_pem, c.algorithm, absl::BytesToHexString(c.signature)})
        .status();
  });
}

absl::Status PostgresLedger::AddRefusalCounts(const std::vector<RefusalCount>& counts) {
  if (writer_ == nullptr) return ReadOnlyError("record refusal counts");
  if (counts.empty()) return absl::OkStatus();
  PgConnectionPool::Lease conn = readers_->Acquire();
  return conn->InTransaction([&]() -> absl::Status {
    for (const RefusalCount& c : counts) {
      SVIDD_RETURN_IF_ERROR(
          conn->Exec(
                  "INSERT INTO refusal_counts (hour, reason, count) VALUES ($1, $2, $3)"
                  " ON CONFLICT (hour, reason) DO UPDATE"
                  " SET count = refusal_counts.count + excluded.count",
                  {std::to_string(RefusalHourSeconds(c.hour)), c.reason, std::to_string(c.count)})
              .status());
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<RefusalCount>> PostgresLedger::ListRefusalCounts(TimePoint since) const {
  PgConnectionPool::Lease conn = readers_->Acquire();
  SVIDD_ASSIGN_OR_RETURN(PgResult rows, conn->Exec(NumberedPlaceholders(kListRefusalsSql),
                                                   {std::to_string(RefusalHourSeconds(since))},
                                                   PgConnection::Resend::kIfLostWhileIdle));
  std::vector<RefusalCount> out;
  for (int i = 0; i < rows.rows(); ++i) out.push_back(ReadRefusalCountRow(PgRow(rows, i)));
  return out;
}

absl::Status PostgresLedger::RecordAdminCall(const AdminCallRecord& call) {
  if (writer_ == nullptr) return ReadOnlyError("record an admin call");
  PgConnectionPool::Lease conn = readers_->Acquire();
  return conn
      ->Exec(NumberedPlaceholders(kInsertAdminCallSql),
             {std::to_string(ToUnixSeconds(call.at)), call.caller_id, call.caller_principal,
              call.peer, call.method, call.arguments, call.outcome, call.message})
      .status();
}

absl::StatusOr<std::vector<AdminCallRecord>> PostgresLedger::ListAdminCalls(TimePoint since,
                                                                            size_t limit) const {
  PgConnectionPool::Lease conn = readers_->Acquire();
  SVIDD_ASSIGN_OR_RETURN(PgResult rows,
                         conn->Exec(NumberedPlaceholders(kListAdminCallsSql),
                                    {std::to_string(ToUnixSeconds(since)),
                                     limit == 0 ? std::nullopt : PgParam(std::to_string(limit))},
                                    PgConnection::Resend::kIfLostWhileIdle));
  std::vector<AdminCallRecord> out;
  for (int i = 0; i < rows.rows(); ++i) out.push_back(ReadAdminCallRow(PgRow(rows, i)));
  return out;
}

}  // namespace svidd::ledger::internal
