// How records and checkpoints map onto PostgreSQL rows: parameter lists for inserts, PgRow (a
// result row for the shared row readers of ledger_tables.h), and the checkpoint reader.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/certificate_query.h"
#include "ledger/pg_connection.h"
#include "ledger/result_row.h"
#include "svidd/ledger/certificate_record.h"
#include "svidd/ledger/ledger_event.h"

namespace svidd::ledger::internal {

// Row `row` of `result`, as a ResultRow.
class PgRow final : public ResultRow {
 public:
  PgRow(const PgResult& result, int row) : result_(result), row_(row) {}
  std::string Text(int column) const override { return result_.Text(row_, column); }
  // The shared readers (ledger_tables.h) read integers from NOT NULL columns, or after
  // IsNull(); like SQLite's sqlite3_column_int64, a NULL here reads as 0.
  int64_t Int64(int column) const override { return result_.Int64(row_, column).value_or(0); }
  bool IsNull(int column) const override { return result_.IsNull(row_, column); }

 private:
  const PgResult& result_;
  const int row_;
};

// `insert_sql`, a one-row INSERT of ledger_tables.h ("INSERT INTO t (...) VALUES (?1, ...)"),
// for `rows` rows of `columns` parameters each, numbered $1, $2, ... row after row.
std::string MultiRowInsertSql(std::string_view insert_sql, int columns, size_t rows);
// Rows per multi-row INSERT: PostgreSQL takes at most 65,535 parameters in one statement.
inline constexpr size_t kMaxRowsPerInsert = 1000;

// kInsertCertificateSql's parameters, in order.
std::vector<PgParam> CertificateParams(const CertificateRecord& record);
// Row `row` of a result selected with kSelectCheckpointsSql. Unlike SQLite's reader it keeps
// a signature that is not hex as empty rather than failing the read (it cannot verify; the
// verifier reports it as a bad signature).
// DATA_LOSS if event_seq or signed_at is NULL.
absl::StatusOr<LedgerCheckpoint> ReadPgCheckpointRow(const PgResult& result, int row);

// A shared query (with `?` placeholders) in PostgreSQL form: $n placeholders, text params.
std::string PgSql(const SqlFragment& q);
std::vector<PgParam> PgParams(const SqlFragment& q);

}  // namespace svidd::ledger::internal
