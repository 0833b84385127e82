// CertificateFilter → SQL. Every value is a bound parameter; column names come only from
// fixed tables here. The WHERE clause is shared by the page query, the total count, the
// grouped counts and the identity summaries.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/page_token.h"
#include "ledger/sqlite_handle.h"
#include "svidd/ledger/certificate_filter.h"
#include "svidd/ledger/operator_records.h"

namespace svidd::ledger::internal {

using SqlValue = std::variant<int64_t, std::string>;

// SQL with `?` placeholders and their values, in order.
struct SqlFragment {
  std::string sql;
  std::vector<SqlValue> params;
};

// Binds `params` to ?1, ?2, ... of `stmt`.
void BindAll(Statement& stmt, const std::vector<SqlValue>& params);

// The engines differ in two spellings here: "no limit" before an OFFSET, and SQLite's
// likelihood() planner hint.
enum class SqlDialect { kSqlite, kPostgres };

// " WHERE a = ? AND ..." (or "" when nothing is filtered) over table `certificates`.
SqlFragment CertificateWhere(const CertificateFilter& filter,
                             SqlDialect dialect = SqlDialect::kSqlite);

// `filter` without its page (limit, offset, token): what counts count.
CertificateFilter WhereOnly(CertificateFilter filter);
// What ListIdentities filters the certificates by: `filter`'s prefix, namespace and kind.
CertificateFilter IdentityWhere(const IdentityFilter& filter);

class CertificateQuery {
 public:
  // INVALID_ARGUMENT for a page token that does not decode or was made for another order,
  // or an offset together with a page token.
  static absl::StatusOr<CertificateQuery> Build(const CertificateFilter& filter,
                                                SqlDialect dialect = SqlDialect::kSqlite);

  // The page: kSelectCertificatesSql, filter, cursor, order, limit + 1 (to see whether more
  // rows follow), offset.
  SqlFragment Page() const;
  SqlFragment Count() const;
  // value, count per distinct value of `group`.
  SqlFragment CountBy(CertificateGroup group) const;

  size_t limit() const { return filter_.limit; }
  // The token continuing after `last` in this query's order.
  std::string TokenAfter(const CertificateRecord& last) const;

 private:
  CertificateQuery(const CertificateFilter& filter, SqlDialect dialect)
      : filter_(filter), dialect_(dialect) {}
  CertificateFilter filter_;
  SqlDialect dialect_;
  std::optional<PageToken> after_;
};

}  // namespace svidd::ledger::internal
