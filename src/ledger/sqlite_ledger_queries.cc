// SqliteLedger's operator queries: filtered, sorted, paged listings; counts; one summary per
// SPIFFE ID.
#include "absl/strings/str_cat.h"
#include "ledger/certificate_query.h"
#include "ledger/certificate_rows.h"
#include "ledger/sqlite_ledger_impl.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"

namespace svidd::internal {
namespace {

absl::StatusOr<std::vector<CertificateRecord>> ReadRecords(sqlite3* db, const SqlFragment& q) {
  SVIDD_ASSIGN_OR_RETURN(Statement stmt, Statement::Prepare(db, q.sql));
  BindAll(stmt, q.params);
  std::vector<CertificateRecord> out;
  for (;;) {
    SVIDD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return out;
    SVIDD_ASSIGN_OR_RETURN(CertificateRecord record, ReadCertificateRow(stmt));
    out.push_back(std::move(record));
  }
}

absl::StatusOr<int64_t> ReadCount(sqlite3* db, const SqlFragment& q) {
  SVIDD_ASSIGN_OR_RETURN(Statement stmt, Statement::Prepare(db, q.sql));
  BindAll(stmt, q.params);
  SVIDD_ASSIGN_OR_RETURN(bool row, stmt.Step());
  return row ? stmt.ColumnInt64(0) : 0;
}

absl::StatusOr<IdentitySummary> ReadIdentityRow(const Statement& row) {
  IdentitySummary s;
  s.spiffe_id = row.ColumnText(0);
  std::optional<CertKind> kind = ParseCertKind(row.ColumnText(1));
  std::optional<CertStatus> status = ParseCertStatus(row.ColumnText(7));
  if (!kind.has_value() || !status.has_value()) {
    return absl::DataLossError(
        absl::StrCat("ledger holds an unknown kind or status for ", s.spiffe_id));
  }
  s.kind = *kind;
  s.certificates = row.ColumnInt64(2);
  s.valid_certificates = row.ColumnInt64(3);
  s.first_issued_at = FromUnixSeconds(row.ColumnInt64(4));
  s.last_issued_at = FromUnixSeconds(row.ColumnInt64(5));
  s.current_serial = row.ColumnText(6);
  s.current_status = *status;
  s.current_not_before = FromUnixSeconds(row.ColumnInt64(8));
  s.current_not_after = FromUnixSeconds(row.ColumnInt64(9));
  s.current_auth_method = row.ColumnText(10);
  return s;
}

// Counts ignore the page.
CertificateFilter WhereOnly(CertificateFilter filter) {
  filter.limit = 0;
  filter.offset = 0;
  filter.page_token.clear();
  return filter;
}

// One row per SPIFFE ID from identity_summary (migration 0006, kept by a trigger), so the
// certificate rows are never scanned: per ID, its current certificate (the newest that is not
// revoked, else the newest) is one seek in certificates_current, and its valid certificates a
// range of certificates_by_spiffe_id (those not yet expired). A kind filter applies to the
// counts and to the current certificate alike.
SqlFragment IdentitiesQuery(const IdentityFilter& f) {
  CertificateFilter where;
  where.spiffe_id_prefix = f.spiffe_id_prefix;
  where.istio_namespace = f.istio_namespace;
  where.kind = f.kind;
  SqlFragment q = CertificateWhere(where);  // the summary has these columns, same names
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

absl::StatusOr<std::vector<CertificateRecord>> SqliteLedger::ListCertificates(
    const CertificateFilter& filter) const {
  SVIDD_ASSIGN_OR_RETURN(CertificatePage page, ReadPage(filter, /*with_total=*/false));
  return std::move(page.records);
}

absl::StatusOr<CertificatePage> SqliteLedger::QueryCertificates(
    const CertificateFilter& filter) const {
  return ReadPage(filter, /*with_total=*/true);
}

// The page and its total come from one read transaction, so they agree with each other.
absl::StatusOr<CertificatePage> SqliteLedger::ReadPage(const CertificateFilter& filter,
                                                       bool with_total) const {
  SVIDD_ASSIGN_OR_RETURN(CertificateQuery query, CertificateQuery::Build(filter));
  ConnectionPool::Lease conn = readers_->Acquire();
  sqlite3* db = conn.db();
  SVIDD_RETURN_IF_ERROR(Exec(db, "BEGIN"));
  absl::StatusOr<std::vector<CertificateRecord>> records = ReadRecords(db, query.Page());
  absl::StatusOr<int64_t> total = with_total ? ReadCount(db, query.Count()) : int64_t{0};
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  if (!records.ok()) return records.status();
  if (!total.ok()) return total.status();
  CertificatePage page;
  page.records = std::move(*records);
  page.total = with_total ? *total : static_cast<int64_t>(page.records.size());
  if (query.limit() > 0 && page.records.size() > query.limit()) {
    page.records.resize(query.limit());
    page.next_page_token = query.TokenAfter(page.records.back());
  }
  return page;
}

absl::StatusOr<int64_t> SqliteLedger::CountCertificates(const CertificateFilter& filter) const {
  SVIDD_ASSIGN_OR_RETURN(CertificateQuery query, CertificateQuery::Build(WhereOnly(filter)));
  ConnectionPool::Lease conn = readers_->Acquire();
  return ReadCount(conn.db(), query.Count());
}

absl::StatusOr<std::vector<GroupCount>> SqliteLedger::CountCertificatesBy(
    CertificateGroup group, const CertificateFilter& filter) const {
  SVIDD_ASSIGN_OR_RETURN(CertificateQuery query, CertificateQuery::Build(WhereOnly(filter)));
  ConnectionPool::Lease conn = readers_->Acquire();
  SqlFragment q = query.CountBy(group);
  SVIDD_ASSIGN_OR_RETURN(Statement stmt, Statement::Prepare(conn.db(), q.sql));
  BindAll(stmt, q.params);
  std::vector<GroupCount> out;
  for (;;) {
    SVIDD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return out;
    out.push_back(GroupCount{stmt.ColumnText(0), stmt.ColumnInt64(1)});
  }
}

absl::StatusOr<std::vector<IdentitySummary>> SqliteLedger::ListIdentities(
    const IdentityFilter& filter) const {
  ConnectionPool::Lease conn = readers_->Acquire();
  SqlFragment q = IdentitiesQuery(filter);
  SVIDD_ASSIGN_OR_RETURN(Statement stmt, Statement::Prepare(conn.db(), q.sql));
  BindAll(stmt, q.params);
  std::vector<IdentitySummary> out;
  for (;;) {
    SVIDD_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return out;
    SVIDD_ASSIGN_OR_RETURN(IdentitySummary summary, ReadIdentityRow(stmt));
    out.push_back(std::move(summary));
  }
}

}  // namespace svidd::internal
