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

// The newest certificate that is not revoked ranks first, else the newest; the window
// aggregates see every certificate of the ID that matched the filter.
constexpr char kIdentitiesHead[] = "WITH matching AS (SELECT * FROM certificates";
constexpr char kIdentitiesTail[] =
    "), ranked AS (SELECT spiffe_id, kind, serial, status, issued_at, not_before, not_after,"
    " auth_method, ROW_NUMBER() OVER (PARTITION BY spiffe_id ORDER BY status = 'active' DESC,"
    " issued_at DESC, serial DESC) AS rank, COUNT(*) OVER w AS certificates,"
    " SUM(status = 'active' AND not_before <= ? AND not_after > ?) OVER w AS valid,"
    " MIN(issued_at) OVER w AS first_issued, MAX(issued_at) OVER w AS last_issued"
    " FROM matching WINDOW w AS (PARTITION BY spiffe_id))"
    " SELECT spiffe_id, kind, certificates, valid, first_issued, last_issued, serial, status,"
    " not_before, not_after, auth_method FROM ranked WHERE rank = 1 ORDER BY spiffe_id";

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

SqlFragment IdentitiesQuery(const IdentityFilter& f) {
  CertificateFilter where;
  where.spiffe_id_prefix = f.spiffe_id_prefix;
  where.istio_namespace = f.istio_namespace;
  where.kind = f.kind;
  SqlFragment q = CertificateWhere(where);
  q.sql = absl::StrCat(kIdentitiesHead, q.sql, kIdentitiesTail);
  const int64_t now = ToUnixSeconds(f.now);
  q.params.emplace_back(now);
  q.params.emplace_back(now);
  if (f.limit > 0) {
    absl::StrAppend(&q.sql, " LIMIT ?");
    q.params.emplace_back(static_cast<int64_t>(f.limit));
  }
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
