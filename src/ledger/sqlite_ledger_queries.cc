// SqliteLedger's operator queries: the SQL of filtered, sorted, paged listings and counts
// (built by CertificateQuery; EngineLedger pages them); one summary per SPIFFE ID.
#include "absl/strings/str_cat.h"
#include "ledger/certificate_query.h"
#include "ledger/ledger_tables.h"
#include "ledger/sqlite_ledger_impl.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"

namespace svidd::internal {
namespace {

// Every row of `q`, each read by `read`.
template <typename T, typename Read>
absl::StatusOr<std::vector<T>> ReadAll(sqlite3* db, const SqlFragment& q, Read read) {
  SVIDD_ASSIGN_OR_RETURN(Statement stmt, Statement::Prepare(db, q.sql));
  BindAll(stmt, q.params);
  std::vector<T> out;
  for (;;) {
    SVIDD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return out;
    SVIDD_ASSIGN_OR_RETURN(T value, read(StatementRow(stmt)));
    out.push_back(std::move(value));
  }
}

absl::StatusOr<int64_t> ReadCountOn(sqlite3* db, const SqlFragment& q) {
  SVIDD_ASSIGN_OR_RETURN(Statement stmt, Statement::Prepare(db, q.sql));
  BindAll(stmt, q.params);
  SVIDD_ASSIGN_OR_RETURN(bool row, stmt.Step());
  return row ? stmt.ColumnInt64(0) : 0;
}

// One row per SPIFFE ID from identity_summary (migration 0006, kept by a trigger), so the
// certificate rows are never scanned: per ID, its current certificate (the newest that is not
// revoked, else the newest) is one seek in certificates_current, and its valid certificates a
// range of certificates_by_spiffe_id (those not yet expired). A kind filter applies to the
// counts and to the current certificate alike.
SqlFragment IdentitiesQuery(const IdentityFilter& f) {
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
                  " FROM current JOIN certificates c ON c.seq = current.seq"
                  " ORDER BY current.spiffe_id");
  return q;
}

}  // namespace

// The page and its total come from one read transaction, so they agree with each other.
absl::StatusOr<CertificatePage> SqliteLedger::ReadPageRows(const CertificateQuery& query,
                                                           bool with_total) const {
  ConnectionPool::Lease conn = readers_->Acquire();
  sqlite3* db = conn.db();
  SVIDD_RETURN_IF_ERROR(Exec(db, "BEGIN"));
  absl::StatusOr<std::vector<CertificateRecord>> records =
      ReadAll<CertificateRecord>(db, query.Page(), ReadCertificateRow);
  absl::StatusOr<int64_t> total = with_total ? ReadCountOn(db, query.Count()) : int64_t{0};
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  if (!records.ok()) return records.status();
  if (!total.ok()) return total.status();
  CertificatePage page;
  page.records = std::move(*records);
  page.total = *total;
  return page;
}

absl::StatusOr<int64_t> SqliteLedger::ReadCount(const SqlFragment& count) const {
  ConnectionPool::Lease conn = readers_->Acquire();
  return ReadCountOn(conn.db(), count);
}

absl::StatusOr<std::vector<GroupCount>> SqliteLedger::ReadGroupCounts(
    const SqlFragment& count_by) const {
  ConnectionPool::Lease conn = readers_->Acquire();
  return ReadAll<GroupCount>(conn.db(), count_by, [](const ResultRow& row) {
    return absl::StatusOr<GroupCount>(ReadGroupCountRow(row));
  });
}

absl::StatusOr<std::vector<IdentitySummary>> SqliteLedger::ListIdentities(
    const IdentityFilter& filter) const {
  ConnectionPool::Lease conn = readers_->Acquire();
  return ReadAll<IdentitySummary>(conn.db(), IdentitiesQuery(filter), ReadIdentityRow);
}

}  // namespace svidd::internal
