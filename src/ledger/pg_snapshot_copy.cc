#include "ledger/pg_snapshot_copy.h"

#include <algorithm>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "ledger/pg_connection.h"
#include "ledger/pg_migrations.h"
#include "ledger/sqlite_connection.h"
#include "ledger/sqlite_handle.h"
#include "svidd/common/status_macros.h"
#include "svidd/ledger/postgres_ledger.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::ledger::internal {
namespace {

constexpr int kFetchRows = 5000;

// A table's copy: the columns (same names in both schemas) and the order to read them in.
struct TableCopy {
  const char* table;
  const char* columns;
  int count;
  const char* order;
};

// The rows a verification from the newest checkpoint reads (PgCopyScope): WHERE clauses per
// table, each driven by an index, given F and the certificates.seq of the last row F's
// prefix vouches for.
struct RowFilter {
  std::string certificates;
  std::string ledger_events;
  std::string ledger_checkpoints;

  const std::string& For(const TableCopy& t) const {
    if (std::string_view(t.table) == "certificates") return certificates;
    if (std::string_view(t.table) == "ledger_events") return ledger_events;
    return ledger_checkpoints;
  }
};

RowFilter FilterFrom(int64_t from_seq, int64_t prefix_rows) {
  const std::string serials =
      absl::StrCat("serial IN (SELECT serial FROM ledger_events WHERE seq >= ", from_seq,
                   " UNION SELECT serial FROM certificates WHERE seq > ", prefix_rows,
                   " UNION SELECT serial FROM certificates WHERE revoked_at IS NOT NULL"
                   " UNION SELECT serial FROM ledger_events WHERE kind = 'revoked')");
  return RowFilter{" WHERE " + serials, " WHERE " + serials,
                   absl::StrCat(" WHERE event_seq >= ", from_seq)};
}

// F (PgCopyScope) and the certificates.seq of the row of the last issuance at or before it;
// nullopt when there is no checkpoint to start from (copy everything).
absl::StatusOr<std::optional<RowFilter>> ScopeFilter(PgConnection& pg, const PgCopyScope& scope) {
  if (!scope.from_newest_checkpoint) return std::nullopt;
  SVIDD_ASSIGN_OR_RETURN(
      PgResult newest,
      pg.Exec("SELECT COALESCE(MAX(event_seq), 0) FROM ledger_checkpoints"
              " WHERE event_seq <= (SELECT COALESCE(MAX(seq), 0) FROM ledger_events)"));
  SVIDD_ASSIGN_OR_RETURN(int64_t from, newest.Int64(0, 0));
  if (scope.head_file_seq.has_value() && *scope.head_file_seq >= 1) {
    from = std::min(from, *scope.head_file_seq);
  }
  if (from <= 0) return std::nullopt;
  SVIDD_ASSIGN_OR_RETURN(
      PgResult prefix,
      pg.Exec(absl::StrCat("SELECT COALESCE((SELECT c.seq FROM certificates c WHERE c.serial ="
                           " (SELECT serial FROM ledger_events WHERE seq <= ",
                           from, " AND kind = 'issued' ORDER BY seq DESC LIMIT 1)), 0)")));
  SVIDD_ASSIGN_OR_RETURN(int64_t prefix_seq, prefix.Int64(0, 0));
  return FilterFrom(from, prefix_seq);
}

constexpr TableCopy kTables[] = {
    {"certificates",
     "seq, serial, spiffe_id, kind, issued_at, not_before, not_after, issuer_serial,"
     " issuer_subject, public_key_sha256, key_type, auth_method, auth_principal,"
     " certificate_pem, status, revoked_at, revocation_reason, supersedes_serial",
     18, "seq"},
    {"ledger_events", "seq, kind, serial, at, content_sha256, prev_hash, hash", 7, "seq"},
    {"ledger_checkpoints",
     "id, event_seq, head_hash, signed_at, signer_chain_pem, algorithm, signature", 7, "id"},
};

// Integer columns go in as integers, so the copy compares and sorts as the original does.
bool IsIntegerColumn(Oid type) { return type == 20 || type == 23 || type == 21; }

absl::Status CopyTable(PgConnection& pg, sqlite3* db, const TableCopy& t, const std::string& where,
                       const std::function<bool()>& stop_requested) {
  SVIDD_RETURN_IF_ERROR(
      pg.Exec(absl::StrCat("DECLARE copy_", t.table, " NO SCROLL CURSOR FOR SELECT ", t.columns,
                           " FROM ", t.table, where, " ORDER BY ", t.order))
          .status());
  std::string placeholders;
  for (int i = 1; i <= t.count; ++i) absl::StrAppend(&placeholders, i > 1 ? ", " : "", "?", i);
  SVIDD_ASSIGN_OR_RETURN(
      Statement insert,
      Statement::Prepare(db, absl::StrCat("INSERT INTO ", t.table, " (", t.columns, ") VALUES (",
                                          placeholders, ")")));
  for (;;) {
    if (stop_requested && stop_requested()) {
      return absl::CancelledError("copying the ledger for verification stopped before its end");
    }
    SVIDD_ASSIGN_OR_RETURN(PgResult rows,
                           pg.Exec(absl::StrCat("FETCH ", kFetchRows, " FROM copy_", t.table)));
    if (rows.rows() == 0) return absl::OkStatus();
    for (int r = 0; r < rows.rows(); ++r) {
      insert.Reset();
      for (int c = 0; c < t.count; ++c) {
        if (rows.IsNull(r, c)) {
          insert.BindNull(c + 1);
        } else if (IsIntegerColumn(rows.Type(c))) {
          SVIDD_ASSIGN_OR_RETURN(int64_t value, rows.Int64(r, c));
          insert.BindInt64(c + 1, value);
        } else {
          insert.BindText(c + 1, rows.Text(r, c));
        }
      }
      absl::Status inserted = insert.Run();
      if (!inserted.ok()) {
        return absl::DataLossError(absl::StrCat("copying ", t.table, " row ", rows.Text(r, 0),
                                                " for verification: ", inserted.message()));
      }
    }
  }
}

}  // namespace

absl::Status CopyPostgresLedgerToSqlite(const std::string& uri, const std::filesystem::path& path,
                                        const PgCopyScope& scope) {
  const std::string name = RedactLedgerUri(uri);
  auto named = [&](const absl::Status& s) { return WithContext(absl::StrCat("ledger ", name), s); };
  absl::StatusOr<std::unique_ptr<PgConnection>> pg = PgConnection::Connect(uri, /*read_only=*/true);
  if (!pg.ok()) return named(pg.status());
  absl::Status current = CheckPostgresSchemaIsCurrent(**pg, LatestPostgresSchemaVersion());
  if (!current.ok()) return named(current);
  {
    // The SQLite schema, then without the guards that would refuse evidence.
    SVIDD_RETURN_IF_ERROR(OpenSqliteLedger(path).status());
  }
  SVIDD_ASSIGN_OR_RETURN(SqliteDbPtr copy, OpenDatabase(path, ConnectionOptions{}));
  sqlite3* db = copy.get();
  SVIDD_RETURN_IF_ERROR(Exec(db, "DROP INDEX ledger_events_by_serial"));
  SVIDD_RETURN_IF_ERROR(
      Exec(db, "CREATE INDEX ledger_events_by_serial ON ledger_events (serial, kind)"));
  SVIDD_RETURN_IF_ERROR(Exec(db, "PRAGMA ignore_check_constraints = ON"));
  absl::Status copied = (*pg)->InTransaction([&]() -> absl::Status {
    SVIDD_RETURN_IF_ERROR(
        (*pg)->Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").status());
    SVIDD_ASSIGN_OR_RETURN(std::optional<RowFilter> filter, ScopeFilter(**pg, scope));
    return InImmediateTransaction(db, [&]() -> absl::Status {
      for (const TableCopy& t : kTables) {
        SVIDD_RETURN_IF_ERROR(
            CopyTable(**pg, db, t, filter.has_value() ? filter->For(t) : "", scope.stop_requested));
      }
      return absl::OkStatus();
    });
  });
  return copied.ok() ? copied : named(copied);
}

}  // namespace svidd::ledger::internal
