// SqliteLedger's share of the operator queries: running the shared listings and counts on a
// pooled reader (EngineLedger builds and pages them), and the identity summary's query.
#include "absl/strings/str_cat.h"
#include "ledger/certificate_query.h"
#include "ledger/sqlite_ledger_impl.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"

namespace svidd::ledger::internal {
namespace {

class SqliteReadConnection final : public ReadConnection {
 public:
  explicit SqliteReadConnection(sqlite3* db) : db_(db) {}

  absl::Status ForEachRow(const SqlFragment& q,
                          const std::function<absl::Status(const ResultRow&)>& each) override {
    SVIDD_ASSIGN_OR_RETURN(Statement stmt, Statement::Prepare(db_, q.sql));
    BindAll(stmt, q.params);
    for (;;) {
      SVIDD_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return absl::OkStatus();
      SVIDD_RETURN_IF_ERROR(each(StatementRow(stmt)));
    }
  }

 private:
  sqlite3* const db_;  // borrowed
};

}  // namespace

// A snapshot is a read transaction (WAL: the writer goes on beside it).
absl::Status SqliteLedger::WithReader(
    bool snapshot, const std::function<absl::Status(ReadConnection&)>& body) const {
  ConnectionPool::Lease conn = readers_->Acquire();
  SqliteReadConnection reader(conn.db());
  if (!snapshot) return body(reader);
  SVIDD_RETURN_IF_ERROR(Exec(conn.db(), "BEGIN"));
  absl::Status status = body(reader);
  sqlite3_exec(conn.db(), "COMMIT", nullptr, nullptr, nullptr);
  return status;
}

// One row per SPIFFE ID from identity_summary (migration 0006, kept by a trigger), so the
// certificate rows are never scanned: per ID, its current certificate (the newest that is not
// revoked, else the newest) is one seek in certificates_current, and its valid certificates a
// range of certificates_by_spiffe_id (those not yet expired). A kind filter applies to the
// counts and to the current certificate alike. Migration 0010 makes both indexes, and
// certificates_listed for the current certificate's columns, covering: the listing reads no
// certificate row.
SqlFragment SqliteLedger::IdentitiesQuery(const IdentityFilter& f) const {
  // The summary has the filtered columns, by the same names.
  SqlFragment q = CertificateWhere(IdentityWhere(f));
  q.sql = absl::StrCat(
      "WITH ids AS (SELECT spiffe_id, SUM(certificates) AS certificates,"
      " MIN(first_issued_at) AS first_issued, MAX(last_issued_at) AS last_issued"
      " FROM identity_summary",
      q.sql, " GROUP BY spiffe_id ORDER BY spiffe_id");
  if (f.limit > 0) {
    absl::StrAppend(&q.sql, " LIMIT ?");
    q.params.emplace_back(static_cast<int64_t>(f.limit));
  }
  std::string kind_name = f.kind ? std::string(CertKindName(*f.kind)) : "";
  auto of_kind = [&](const char* table) {
    if (!f.kind) return std::string();
    q.params.emplace_back(kind_name);
    return absl::StrCat(" AND ", table, ".kind = ?");
  };
  absl::StrAppend(&q.sql,
                  "), current AS (SELECT ids.*, COALESCE("
                  "(SELECT a.seq FROM certificates a INDEXED BY certificates_current"
                  " WHERE a.spiffe_id = ids.spiffe_id AND a.status = 'active'",
                  of_kind("a"), " ORDER BY a.issued_at DESC, a.serial DESC LIMIT 1),");
  absl::StrAppend(&q.sql,
                  "(SELECT b.seq FROM certificates b INDEXED BY certificates_current"
                  " WHERE b.spiffe_id = ids.spiffe_id",
                  of_kind("b"), " ORDER BY b.issued_at DESC, b.serial DESC LIMIT 1))",
                  " AS seq FROM ids)"
                  " SELECT current.spiffe_id, c.kind, current.certificates,"
                  " (SELECT COUNT(*) FROM certificates v INDEXED BY certificates_by_spiffe_id"
                  " WHERE v.spiffe_id = current.spiffe_id AND v.not_after > ?"
                  " AND v.status = 'active' AND v.not_before <= ?");
  const int64_t now = ToUnixSeconds(f.now);
  q.params.emplace_back(now);
  q.params.emplace_back(now);
  absl::StrAppend(&q.sql, of_kind("v"),
                  ") AS valid, current.first_issued, current.last_issued, c.serial, c.status,"
                  " c.not_before, c.not_after, c.auth_method"
                  " FROM current JOIN certificates c INDEXED BY certificates_listed"
                  " ON c.seq = current.seq"
                  " ORDER BY current.spiffe_id");
  return q;
}

}  // namespace svidd::ledger::internal
