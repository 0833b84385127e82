#include "ledger/certificate_query.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "ledger/certificate_rows.h"
#include "svidd/common/time_format.h"

namespace svidd::ledger::internal {
namespace {

// A certificate is a renewal when it names the certificate it replaced, or when an older
// certificate of the same SPIFFE ID exists (ties on issued_at broken by serial, as in the
// default order).
constexpr char kIsRenewal[] =
    "(supersedes_serial != '' OR EXISTS (SELECT 1 FROM certificates AS earlier"
    " WHERE earlier.spiffe_id = certificates.spiffe_id"
    " AND (earlier.issued_at < certificates.issued_at OR (earlier.issued_at ="
    " certificates.issued_at AND earlier.serial < certificates.serial))))";

// A certificate has a successor when a later certificate of its SPIFFE ID exists (same order as
// above), or when some certificate names it as the one it superseded. Plain SQL that SQLite and
// PostgreSQL both run (a row-value comparison, so the index (spiffe_id, issued_at, serial) of
// migration 0008 answers it with one seek); (supersedes_serial) serves the second part.
constexpr char kHasSuccessor[] =
    "(EXISTS (SELECT 1 FROM certificates AS later"
    " WHERE later.spiffe_id = certificates.spiffe_id"
    " AND (later.issued_at, later.serial) > (certificates.issued_at, certificates.serial))"
    " OR EXISTS (SELECT 1 FROM certificates AS renewal"
    " WHERE renewal.supersedes_serial = certificates.serial"
    " AND renewal.supersedes_serial != ''))";

class Conditions {
 public:
  void Add(const std::string& clause) {
    absl::StrAppend(&where_.sql, where_.sql.empty() ? " WHERE " : " AND ", clause);
  }
  void Add(const std::string& clause, int64_t value) {
    Add(clause);
    where_.params.emplace_back(value);
  }
  void Add(const std::string& clause, std::string value) {
    Add(clause);
    where_.params.emplace_back(std::move(value));
  }
  // One more parameter for the last clause (one with several placeholders).
  void AddParam(int64_t value) { where_.params.emplace_back(value); }
  SqlFragment Take() { return std::move(where_); }

 private:
  SqlFragment where_;
};

// The smallest string greater than every string starting with `prefix`; "" if none exists.
std::string PrefixUpperBound(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

void AddIdentityConditions(const CertificateFilter& f, SqlDialect dialect, Conditions& c) {
  if (f.spiffe_id) c.Add("spiffe_id = ?", *f.spiffe_id);
  if (f.spiffe_id_prefix && !f.spiffe_id_prefix->empty()) {
    // A range, so the spiffe_id index serves it (LIKE would be case-insensitive, too).
    c.Add("spiffe_id >= ?", *f.spiffe_id_prefix);
    std::string upper = PrefixUpperBound(*f.spiffe_id_prefix);
    if (!upper.empty()) c.Add("spiffe_id < ?", upper);
  }
  if (f.istio_namespace) c.Add("istio_namespace = ?", *f.istio_namespace);
  if (f.serial) c.Add("serial = ?", *f.serial);
  if (f.issuer_serial) c.Add("issuer_serial = ?", *f.issuer_serial);
  if (f.key_type) c.Add("key_type = ?", *f.key_type);
  if (f.not_auth_method) c.Add("auth_method != ?", *f.not_auth_method);
  if (f.status) c.Add("status = ?", std::string(CertStatusName(*f.status)));
  // The same rows (0001's CHECK ties the two columns), but the partial index
  // certificates_by_revoked_at serves this form, and likelihood() tells the planner (which has
  // no statistics) that revoked rows are rare, so it does not scan by the ORDER BY column
  // instead: the CRL publisher and the revocation watcher ask for the revoked certificates
  // every second, which was a scan of the whole table (1.9 s at 200k rows; now 2 ms).
  // PostgreSQL keeps statistics and has no likelihood(); the plain condition serves its index.
  if (f.status == CertStatus::kRevoked) {
    c.Add(dialect == SqlDialect::kPostgres ? "revoked_at IS NOT NULL"
                                           : "likelihood(revoked_at IS NOT NULL, 0.001)");
  }
  if (f.kind) c.Add("kind = ?", std::string(CertKindName(*f.kind)));
}

void AddTimeConditions(const CertificateFilter& f, SqlDialect dialect, Conditions& c) {
  auto at = [](TimePoint t) { return ToUnixSeconds(t); };
  if (f.issued_since) c.Add("issued_at >= ?", at(*f.issued_since));
  if (f.issued_until) c.Add("issued_at < ?", at(*f.issued_until));
  if (f.not_after_before) c.Add("not_after < ?", at(*f.not_after_before));
  if (f.not_after_after) c.Add("not_after > ?", at(*f.not_after_after));
  if (f.not_before_until) c.Add("not_before <= ?", at(*f.not_before_until));
  if (f.revoked_since) c.Add("revoked_at >= ?", at(*f.revoked_since));
  if (f.revoked_until) c.Add("revoked_at < ?", at(*f.revoked_until));
  if (f.renewal) c.Add(*f.renewal ? std::string(kIsRenewal) : absl::StrCat("NOT ", kIsRenewal));
  if (f.has_successor) {
    c.Add(*f.has_successor ? std::string(kHasSuccessor) : absl::StrCat("NOT ", kHasSuccessor));
  }
  if (f.life_left_below) {
    // Unexpired, then in integers on both engines: millionths × (time left) < (fraction in
    // millionths) × life. SQLite has no statistics, so likelihood() tells it what it cannot
    // know: a ledger keeps every certificate it recorded, and few of them are unexpired and
    // near their end. Without it, listing them (svidctl audit) read the whole ledger in the
    // ORDER BY's index instead of the unexpired range of certificates_by_not_after.
    constexpr int64_t kMillion = 1000000;
    const int64_t now = at(f.life_left_below->at);
    const double fraction = std::clamp(f.life_left_below->fraction, 0.0, 1.0);
    c.Add("not_after > ?", now);
    c.Add(dialect == SqlDialect::kPostgres
              ? "? * (not_after - ?) < ? * (not_after - issued_at)"
              : "likelihood(? * (not_after - ?) < ? * (not_after - issued_at), 0.01)",
          kMillion);
    c.AddParam(now);
    c.AddParam(static_cast<int64_t>(std::llround(fraction * kMillion)));
  }
}

const char* SortColumn(CertificateSortField field) { return CertificateSortFieldName(field); }

const char* GroupColumn(CertificateGroup group) {
  switch (group) {
    case CertificateGroup::kKind:
      return "kind";
    case CertificateGroup::kStatus:
      return "status";
    case CertificateGroup::kKeyType:
      return "key_type";
    case CertificateGroup::kIssuerSerial:
      return "issuer_serial";
  }
  return "kind";
}

SqlValue SortKey(CertificateSortField field, const CertificateRecord& r) {
  switch (field) {
    case CertificateSortField::kIssuedAt:
      return ToUnixSeconds(r.issued_at);
    case CertificateSortField::kNotAfter:
      return ToUnixSeconds(r.not_after);
    case CertificateSortField::kSpiffeId:
      return r.spiffe_id;
  }
  return int64_t{0};
}

}  // namespace

void BindAll(Statement& stmt, const std::vector<SqlValue>& params) {
  for (size_t i = 0; i < params.size(); ++i) {
    const int index = static_cast<int>(i + 1);
    if (const int64_t* n = std::get_if<int64_t>(&params[i])) {
      stmt.BindInt64(index, *n);
    } else {
      stmt.BindText(index, std::get<std::string>(params[i]));
    }
  }
}

SqlFragment CertificateWhere(const CertificateFilter& filter, SqlDialect dialect) {
  Conditions c;
  AddIdentityConditions(filter, dialect, c);
  AddTimeConditions(filter, dialect, c);
  return c.Take();
}

absl::StatusOr<CertificateQuery> CertificateQuery::Build(const CertificateFilter& filter,
                                                         SqlDialect dialect) {
  CertificateQuery query(filter, dialect);
  if (filter.page_token.empty()) return query;
  if (filter.offset > 0) {
    return absl::InvalidArgumentError("give either an offset or a page token, not both");
  }
  absl::StatusOr<PageToken> token = PageToken::Decode(filter.page_token);
  if (!token.ok()) return token.status();
  if (token->sort != filter.sort || token->descending != filter.descending) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page token belongs to a listing sorted by ", CertificateSortFieldName(token->sort),
        token->descending ? " descending" : " ascending", "; repeat that order to continue"));
  }
  query.after_ = std::move(*token);
  return query;
}

SqlFragment CertificateQuery::Page() const {
  SqlFragment out = CertificateWhere(filter_, dialect_);
  const bool filtered = !out.sql.empty();
  out.sql = absl::StrCat(kSelectCertificatesSql, out.sql);
  const char* column = SortColumn(filter_.sort);
  const char* cmp = filter_.descending ? "<" : ">";
  if (after_.has_value()) {
    absl::StrAppend(&out.sql, filtered ? " AND " : " WHERE ", "(", column, " ", cmp, " ? OR (",
                    column, " = ? AND serial ", cmp, " ?))");
    out.params.push_back(after_->key);
    out.params.push_back(after_->key);
    out.params.emplace_back(after_->serial);
  }
  const char* dir = filter_.descending ? "DESC" : "ASC";
  absl::StrAppend(&out.sql, " ORDER BY ", column, " ", dir, ", serial ", dir);
  // SQLite needs a LIMIT (-1: none) before an OFFSET; PostgreSQL refuses a negative one.
  const bool postgres = dialect_ == SqlDialect::kPostgres;
  if (filter_.limit > 0 || (filter_.offset > 0 && !postgres)) {
    absl::StrAppend(&out.sql, " LIMIT ?");
    out.params.emplace_back(filter_.limit > 0 ? static_cast<int64_t>(filter_.limit) + 1
                                              : int64_t{-1});
  }
  if (filter_.offset > 0) {
    absl::StrAppend(&out.sql, " OFFSET ?");
    out.params.emplace_back(static_cast<int64_t>(filter_.offset));
  }
  return out;
}

SqlFragment CertificateQuery::Count() const {
  SqlFragment out = CertificateWhere(filter_, dialect_);
  out.sql = absl::StrCat("SELECT COUNT(*) FROM certificates", out.sql);
  return out;
}

SqlFragment CertificateQuery::CountBy(CertificateGroup group) const {
  SqlFragment out = CertificateWhere(filter_, dialect_);
  const char* column = GroupColumn(group);
  out.sql = absl::StrCat("SELECT ", column, ", COUNT(*) FROM certificates", out.sql, " GROUP BY ",
                         column, " ORDER BY ", column);
  return out;
}

std::string CertificateQuery::TokenAfter(const CertificateRecord& last) const {
  PageToken token;
  token.sort = filter_.sort;
  token.descending = filter_.descending;
  token.key = SortKey(filter_.sort, last);
  token.serial = last.serial_hex;
  return token.Encode();
}

CertificateFilter WhereOnly(CertificateFilter filter) {
  filter.limit = 0;
  filter.offset = 0;
  filter.page_token.clear();
  return filter;
}

CertificateFilter IdentityWhere(const IdentityFilter& filter) {
  CertificateFilter where;
  where.spiffe_id_prefix = filter.spiffe_id_prefix;
  where.istio_namespace = filter.istio_namespace;
  where.kind = filter.kind;
  return where;
}

}  // namespace svidd::ledger::internal
