#include "ledger/pg_snapshot_copy.h"

#include "absl/strings/str_cat.h"
#include "ledger/pg_connection.h"
#include "ledger/pg_migrations.h"
#include "ledger/sqlite_connection.h"
#include "ledger/sqlite_handle.h"
#include "svidd/common/status_macros.h"
#include "svidd/ledger/postgres_ledger.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::internal {
namespace {

constexpr int kFetchRows = 5000;

// A table's copy: the columns (same names in both schemas) and the order to read them in.
struct TableCopy {
  const char* table;
  const char* columns;
  int count;
  const char* order;
};

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

absl::Status CopyTable(PgConnection& pg, sqlite3* db, const TableCopy& t) {
  SVIDD_RETURN_IF_ERROR(
      pg.Exec(absl::StrCat("DECLARE copy_", t.table, " NO SCROLL CURSOR FOR SELECT ", t.columns,
                           " FROM ", t.table, " ORDER BY ", t.order))
          .status());
  std::string placeholders;
  for (int i = 1; i <= t.count; ++i) absl::StrAppend(&placeholders, i > 1 ? ", " : "", "?", i);
  SVIDD_ASSIGN_OR_RETURN(
      Statement insert,
      Statement::Prepare(db, absl::StrCat("INSERT INTO ", t.table, " (", t.columns, ") VALUES (",
                                          placeholders, ")")));
  for (;;) {
    SVIDD_ASSIGN_OR_RETURN(PgResult rows,
                           pg.Exec(absl::StrCat("FETCH ", kFetchRows, " FROM copy_", t.table)));
    if (rows.rows() == 0) return absl::OkStatus();
    for (int r = 0; r < rows.rows(); ++r) {
      insert.Reset();
      for (int c = 0; c < t.count; ++c) {
        if (rows.IsNull(r, c)) {
          insert.BindNull(c + 1);
        } else if (IsIntegerColumn(rows.Type(c))) {
          insert.BindInt64(c + 1, rows.Int64(r, c));
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

absl::Status CopyPostgresLedgerToSqlite(const std::string& uri, const std::filesystem::path& path) {
  const std::string name = RedactLedgerUri(uri);
  auto named = [&](const absl::Status& s) {
    return absl::Status(s.code(), absl::StrCat("ledger ", name, ": ", s.message()));
  };
  absl::StatusOr<std::unique_ptr<PgConnection>> pg = PgConnection::Connect(uri, /*read_only=*/true);
  if (!pg.ok()) return named(pg.status());
  absl::Status current = CheckPostgresSchemaIsCurrent(**pg, LatestPostgresSchemaVersion());
  if (!current.ok()) return named(current);
  {
    // The SQLite schema, then without the guards that would refuse evidence.
    SVIDD_RETURN_IF_ERROR(OpenSqliteLedger(path).status());
  }
  SVIDD_ASSIGN_OR_RETURN(std::shared_ptr<Connection> copy,
                         OpenConnection(path, ConnectionOptions{}));
  sqlite3* db = copy->db.get();
  SVIDD_RETURN_IF_ERROR(Exec(db, "DROP INDEX ledger_events_by_serial"));
  SVIDD_RETURN_IF_ERROR(
      Exec(db, "CREATE INDEX ledger_events_by_serial ON ledger_events (serial, kind)"));
  SVIDD_RETURN_IF_ERROR(Exec(db, "PRAGMA ignore_check_constraints = ON"));
  absl::Status copied = (*pg)->InTransaction([&]() -> absl::Status {
    SVIDD_RETURN_IF_ERROR(
        (*pg)->Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").status());
    return InImmediateTransaction(db, [&]() -> absl::Status {
      for (const TableCopy& t : kTables) SVIDD_RETURN_IF_ERROR(CopyTable(**pg, db, t));
      return absl::OkStatus();
    });
  });
  return copied.ok() ? copied : named(copied);
}

}  // namespace svidd::internal
