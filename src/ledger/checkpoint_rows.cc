#include "ledger/checkpoint_rows.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/digest.h"

namespace svidd::ledger::internal {

absl::StatusOr<LedgerCheckpoint> ReadCheckpointRow(const Statement& row) {
  LedgerCheckpoint c;
  c.event_seq = row.ColumnInt64(1);
  c.head_hash = row.ColumnText(2);
  c.signed_at = FromUnixSeconds(row.ColumnInt64(3));
  c.signer_chain_pem = row.ColumnText(4);
  c.algorithm = row.ColumnText(5);
  absl::StatusOr<std::string> signature = crypto::DecodeHex(row.ColumnText(6));
  if (!signature.ok()) {
    return absl::DataLossError(absl::StrCat("checkpoint ", row.ColumnInt64(0),
                                            ": signature: ", signature.status().message()));
  }
  c.signature = std::move(*signature);
  return c;
}

absl::Status InsertCheckpoint(sqlite3* db, const LedgerCheckpoint& c) {
  SVIDD_ASSIGN_OR_RETURN(Statement insert, Statement::Prepare(db, kInsertCheckpointSql));
  insert.BindInt64(1, c.event_seq);
  insert.BindText(2, c.head_hash);
  insert.BindInt64(3, ToUnixSeconds(c.signed_at));
  insert.BindText(4, c.signer_chain_pem);
  insert.BindText(5, c.algorithm);
  insert.BindText(6, absl::BytesToHexString(c.signature));
  return insert.Run();
}

absl::StatusOr<std::optional<LedgerCheckpoint>> ReadLatestCheckpoint(sqlite3* db) {
  SVIDD_ASSIGN_OR_RETURN(
      Statement select,
      Statement::Prepare(
          db, absl::StrCat(kSelectCheckpointsSql, " ORDER BY event_seq DESC, id DESC LIMIT 1")));
  SVIDD_ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) return std::nullopt;
  SVIDD_ASSIGN_OR_RETURN(LedgerCheckpoint checkpoint, ReadCheckpointRow(select));
  return checkpoint;
}

}  // namespace svidd::ledger::internal
