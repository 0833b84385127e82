// PostgresLedger's reads and revocation on the pooled connections, its share of the listings
// and counts (running them; EngineLedger builds and pages them), and the identity summary's
// query.
#include "absl/strings/str_cat.h"
#include "ledger/certificate_query.h"
#include "ledger/ledger_tables.h"
#include "ledger/pg_chain_appender.h"
#include "ledger/pg_rows.h"
#include "ledger/postgres_ledger_impl.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"

namespace svidd::ledger::internal {
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

constexpr char kPostgresRevokeSql[] =
    "UPDATE certificates SET status = 'revoked', revoked_at = $2, revocation_reason = $3"
    " WHERE serial = $1 AND status = 'active'";

absl::Status NoSuchSerialInPg(std::string_view serial, const std::string& name) {
  return absl::NotFoundError(
      absl::StrCat("no certificate with serial ", std::string(serial), " in ledger ", name));
}

class PgReadConnection final : public ReadConnection {
 public:
  explicit PgReadConnection(PgConnection& conn) : conn_(conn) {}

  absl::Status ForEachRow(const SqlFragment& q,
                          const std::function<absl::Status(const ResultRow&)>& each) override {
    SVIDD_ASSIGN_OR_RETURN(
        PgResult rows, conn_.Exec(PgSql(q), PgParams(q), PgConnection::Resend::kIfLostWhileIdle));
    for (int i = 0; i < rows.rows(); ++i) SVIDD_RETURN_IF_ERROR(each(PgRow(rows, i)));
    return absl::OkStatus();
  }

 private:
  PgConnection& conn_;
};

}  // namespace

absl::StatusOr<CertificateRecord> PostgresLedger::GetCertificate(std::string_view serial) const {
  PgConnectionPool::Lease conn = readers_->Acquire();
  SVIDD_ASSIGN_OR_RETURN(PgResult rows,
                         conn->Exec(absl::StrCat(kSelectCertificatesSql, " WHERE serial = $1"),
                                    {std::string(serial)}, PgConnection::Resend::kIfLostWhileIdle));
  if (rows.rows() == 0) return NoSuchSerialInPg(serial, name_);
  return ReadCertificateRow(PgRow(rows, 0));
}

absl::StatusOr<bool> PostgresLedger::IsRevoked(std::string_view serial) const {
  PgConnectionPool::Lease conn = readers_->Acquire();
  SVIDD_ASSIGN_OR_RETURN(PgResult rows,
                         conn->Exec("SELECT status = 'revoked' FROM certificates WHERE serial = $1",
                                    {std::string(serial)}, PgConnection::Resend::kIfLostWhileIdle));
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
    if (row.rows() == 0) return NoSuchSerialInPg(serial, name_);
    if (row.Text(0, 0) != "active") {
      std::string message = absl::StrCat("certificate ", s, " was already revoked");
      if (!row.IsNull(0, 1)) {
        SVIDD_ASSIGN_OR_RETURN(int64_t revoked_at, row.Int64(0, 1));
        absl::StrAppend(&message, " at ", FormatRfc3339(FromUnixSeconds(revoked_at)));
      }
      if (!row.Text(0, 2).empty()) absl::StrAppend(&message, " (reason: ", row.Text(0, 2), ")");
      return absl::FailedPreconditionError(message);
    }
    SVIDD_RETURN_IF_ERROR(chain.AppendRevocation(serial, at, reason));
    SVIDD_ASSIGN_OR_RETURN(PgResult updated,
                           conn->Exec(kPostgresRevokeSql,
                                      {s, std::to_string(ToUnixSeconds(at)), std::string(reason)}));
    if (updated.Affected() != 1) {
      return absl::InternalError(absl::StrCat("revoking ", s, ": the active row did not change"));
    }
    return chain.StoreHead();
  });
}

// A snapshot is a REPEATABLE READ, READ ONLY transaction.
absl::Status PostgresLedger::WithReader(
    bool snapshot, const std::function<absl::Status(ReadConnection&)>& body) const {
  PgConnectionPool::Lease conn = readers_->Acquire();
  PgReadConnection reader(*conn);
  if (!snapshot) return body(reader);
  return conn->InTransaction([&]() -> absl::Status {
    SVIDD_RETURN_IF_ERROR(
        conn->Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").status());
    return body(reader);
  });
}

SqlFragment PostgresLedger::IdentitiesQuery(const IdentityFilter& f) const {
  SqlFragment q = CertificateWhere(IdentityWhere(f), SqlDialect::kPostgres);
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

}  // namespace svidd::ledger::internal
