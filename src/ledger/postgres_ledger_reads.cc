// PostgresLedger's reads, listings, counts and revocation, on the pooled connections.
#include "absl/strings/str_cat.h"
#include "ledger/certificate_query.h"
#include "ledger/certificate_rows.h"
#include "ledger/pg_chain_appender.h"
#include "ledger/pg_rows.h"
#include "ledger/postgres_ledger_impl.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"

namespace svidd::internal {
namespace {

// As SqliteLedger's: the newest certificate that is not revoked ranks first, else the newest.
constexpr char kIdentitiesHead[] = "WITH matching AS (SELECT * FROM certificates";
constexpr char kIdentitiesTail[] =
    "), ranked AS (SELECT spiffe_id, kind, serial, status, issued_at, not_before, not_after,"
    " auth_method, ROW_NUMBER() OVER (PARTITION BY spiffe_id ORDER BY status = 'active' DESC,"
    " issued_at DESC, serial DESC) AS rank, COUNT(*) OVER w AS certificates,"
    " COUNT(*) FILTER (WHERE status = 'active' AND not_before <= ? AND not_after > ?) OVER w"
    " AS valid, MIN(issued_at) OVER w AS first_issued, MAX(issued_at) OVER w AS last_issued"
    " FROM matching WINDOW w AS (PARTITION BY spiffe_id))"
    " SELECT spiffe_id, kind, certificates, valid, first_issued, last_issued, serial, status,"
    " not_before, not_after, auth_method FROM ranked WHERE rank = 1 ORDER BY spiffe_id";

constexpr char kRevokeSql[] =
    "UPDATE certificates SET status = 'revoked', revoked_at = $2, revocation_reason = $3"
    " WHERE serial = $1 AND status = 'active'";

absl::Status NoSuchSerial(std::string_view serial, const std::string& name) {
  return absl::NotFoundError(
      absl::StrCat("no certificate with serial ", std::string(serial), " in ledger ", name));
}

absl::StatusOr<std::vector<CertificateRecord>> ReadRecords(PgConnection& conn,
                                                           const SqlFragment& q) {
  SVIDD_ASSIGN_OR_RETURN(PgResult rows, conn.Exec(PgSql(q), PgParams(q)));
  std::vector<CertificateRecord> out;
  out.reserve(rows.rows());
  for (int i = 0; i < rows.rows(); ++i) {
    SVIDD_ASSIGN_OR_RETURN(CertificateRecord r, ReadPgCertificateRow(rows, i));
    out.push_back(std::move(r));
  }
  return out;
}

absl::StatusOr<int64_t> ReadCount(PgConnection& conn, const SqlFragment& q) {
  SVIDD_ASSIGN_OR_RETURN(PgResult rows, conn.Exec(PgSql(q), PgParams(q)));
  return rows.rows() == 0 ? 0 : rows.Int64(0, 0);
}

CertificateFilter WhereOnly(CertificateFilter filter) {
  filter.limit = 0;
  filter.offset = 0;
  filter.page_token.clear();
  return filter;
}

absl::StatusOr<IdentitySummary> ReadIdentityRow(const PgResult& q, int i) {
  IdentitySummary s;
  s.spiffe_id = q.Text(i, 0);
  std::optional<CertKind> kind = ParseCertKind(q.Text(i, 1));
  std::optional<CertStatus> status = ParseCertStatus(q.Text(i, 7));
  if (!kind.has_value() || !status.has_value()) {
    return absl::DataLossError(
        absl::StrCat("ledger holds an unknown kind or status for ", s.spiffe_id));
  }
  s.kind = *kind;
  s.certificates = q.Int64(i, 2);
  s.valid_certificates = q.Int64(i, 3);
  s.first_issued_at = FromUnixSeconds(q.Int64(i, 4));
  s.last_issued_at = FromUnixSeconds(q.Int64(i, 5));
  s.current_serial = q.Text(i, 6);
  s.current_status = *status;
  s.current_not_before = FromUnixSeconds(q.Int64(i, 8));
  s.current_not_after = FromUnixSeconds(q.Int64(i, 9));
  s.current_auth_method = q.Text(i, 10);
  return s;
}

}  // namespace

absl::StatusOr<CertificateRecord> PostgresLedger::GetCertificate(std::string_view serial) const {
  PgConnectionPool::Lease conn = readers_->Acquire();
  SVIDD_ASSIGN_OR_RETURN(PgResult rows,
                         conn->Exec(absl::StrCat(kSelectCertificatesSql, " WHERE serial = $1"),
                                    {std::string(serial)}));
  if (rows.rows() == 0) return NoSuchSerial(serial, name_);
  return ReadPgCertificateRow(rows, 0);
}

absl::StatusOr<bool> PostgresLedger::IsRevoked(std::string_view serial) const {
  PgConnectionPool::Lease conn = readers_->Acquire();
  SVIDD_ASSIGN_OR_RETURN(PgResult rows,
                         conn->Exec("SELECT status = 'revoked' FROM certificates WHERE serial = $1",
                                    {std::string(serial)}));
  return rows.rows() == 1 && rows.Text(0, 0) == "t";
}

// Under the chain-head lock: check the row is active, append the revocation event, then the
// guarded UPDATE, in one transaction. Two revokers (on any replicas) queue on the lock; the
// second sees the row revoked and is refused.
absl::Status PostgresLedger::RevokeCertificate(std::string_view serial, std::string_view reason,
                                               TimePoint at) {
  if (writer_ == nullptr) return ReadOnlyError("revoke");
  PgConnectionPool::Lease conn = readers_->Acquire();
  const std::string s(serial);
  return conn->InTransaction([&]() -> absl::Status {
    PgChainAppender chain(*conn);
    SVIDD_RETURN_IF_ERROR(chain.LockHead());
    SVIDD_ASSIGN_OR_RETURN(PgResult row, conn->Exec("SELECT status, revoked_at, revocation_reason"
                                                    " FROM certificates WHERE serial = $1",
                                                    {s}));
    if (row.rows() == 0) return NoSuchSerial(serial, name_);
    if (row.Text(0, 0) != "active") {
      std::string message = absl::StrCat("certificate ", s, " was already revoked");
      if (!row.IsNull(0, 1)) {
        absl::StrAppend(&message, " at ", FormatRfc3339(FromUnixSeconds(row.Int64(0, 1))));
      }
      if (!row.Text(0, 2).empty()) absl::StrAppend(&message, " (reason: ", row.Text(0, 2), ")");
      return absl::FailedPreconditionError(message);
    }
    SVIDD_RETURN_IF_ERROR(chain.AppendRevocation(serial, at, reason));
    SVIDD_ASSIGN_OR_RETURN(
        PgResult updated,
        conn->Exec(kRevokeSql, {s, std::to_string(ToUnixSeconds(at)), std::string(reason)}));
    if (updated.Affected() != 1) {
      return absl::InternalError(absl::StrCat("revoking ", s, ": the active row did not change"));
    }
    return chain.StoreHead();
  });
}

absl::StatusOr<std::vector<CertificateRecord>> PostgresLedger::ListCertificates(
    const CertificateFilter& filter) const {
  SVIDD_ASSIGN_OR_RETURN(CertificatePage page, ReadPage(filter, /*with_total=*/false));
  return std::move(page.records);
}

absl::StatusOr<CertificatePage> PostgresLedger::QueryCertificates(
    const CertificateFilter& filter) const {
  return ReadPage(filter, /*with_total=*/true);
}

// The page and its total from one REPEATABLE READ snapshot, so they agree with each other.
absl::StatusOr<CertificatePage> PostgresLedger::ReadPage(const CertificateFilter& filter,
                                                         bool with_total) const {
  SVIDD_ASSIGN_OR_RETURN(CertificateQuery query,
                         CertificateQuery::Build(filter, SqlDialect::kPostgres));
  PgConnectionPool::Lease conn = readers_->Acquire();
  absl::StatusOr<std::vector<CertificateRecord>> records;
  absl::StatusOr<int64_t> total = int64_t{0};
  SVIDD_RETURN_IF_ERROR(conn->InTransaction([&]() -> absl::Status {
    SVIDD_RETURN_IF_ERROR(
        conn->Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").status());
    records = ReadRecords(*conn, query.Page());
    if (!records.ok()) return records.status();
    if (with_total) total = ReadCount(*conn, query.Count());
    return total.status();
  }));
  CertificatePage page;
  page.records = std::move(*records);
  page.total = with_total ? *total : static_cast<int64_t>(page.records.size());
  if (query.limit() > 0 && page.records.size() > query.limit()) {
    page.records.resize(query.limit());
    page.next_page_token = query.TokenAfter(page.records.back());
  }
  return page;
}

absl::StatusOr<int64_t> PostgresLedger::CountCertificates(const CertificateFilter& filter) const {
  SVIDD_ASSIGN_OR_RETURN(CertificateQuery query,
                         CertificateQuery::Build(WhereOnly(filter), SqlDialect::kPostgres));
  PgConnectionPool::Lease conn = readers_->Acquire();
  return ReadCount(*conn, query.Count());
}

absl::StatusOr<std::vector<GroupCount>> PostgresLedger::CountCertificatesBy(
    CertificateGroup group, const CertificateFilter& filter) const {
  SVIDD_ASSIGN_OR_RETURN(CertificateQuery query,
                         CertificateQuery::Build(WhereOnly(filter), SqlDialect::kPostgres));
  PgConnectionPool::Lease conn = readers_->Acquire();
  SqlFragment q = query.CountBy(group);
  SVIDD_ASSIGN_OR_RETURN(PgResult rows, conn->Exec(PgSql(q), PgParams(q)));
  std::vector<GroupCount> out;
  for (int i = 0; i < rows.rows(); ++i)
    out.push_back(GroupCount{rows.Text(i, 0), rows.Int64(i, 1)});
  return out;
}

absl::StatusOr<std::vector<IdentitySummary>> PostgresLedger::ListIdentities(
    const IdentityFilter& f) const {
  CertificateFilter where;
  where.spiffe_id_prefix = f.spiffe_id_prefix;
  where.istio_namespace = f.istio_namespace;
  where.kind = f.kind;
  SqlFragment q = CertificateWhere(where, SqlDialect::kPostgres);
  q.sql = absl::StrCat(kIdentitiesHead, q.sql, kIdentitiesTail);
  const int64_t now = ToUnixSeconds(f.now);
  q.params.emplace_back(now);
  q.params.emplace_back(now);
  if (f.limit > 0) {
    absl::StrAppend(&q.sql, " LIMIT ?");
    q.params.emplace_back(static_cast<int64_t>(f.limit));
  }
  PgConnectionPool::Lease conn = readers_->Acquire();
  SVIDD_ASSIGN_OR_RETURN(PgResult rows, conn->Exec(PgSql(q), PgParams(q)));
  std::vector<IdentitySummary> out;
  for (int i = 0; i < rows.rows(); ++i) {
    SVIDD_ASSIGN_OR_RETURN(IdentitySummary s, ReadIdentityRow(rows, i));
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace svidd::internal
