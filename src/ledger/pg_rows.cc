#include "ledger/pg_rows.h"

#include "absl/strings/str_cat.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/digest.h"
#include "svidd/ledger/operator_records.h"

namespace svidd::ledger::internal {
namespace {

std::string Int(int64_t v) { return std::to_string(v); }
std::string Seconds(TimePoint t) { return Int(ToUnixSeconds(t)); }

}  // namespace

std::string MultiRowInsertSql(std::string_view insert_sql, int columns, size_t rows) {
  const size_t values = insert_sql.find(" VALUES ");
  std::string sql(insert_sql.substr(0, values));
  sql += " VALUES ";
  int n = 0;
  for (size_t row = 0; row < rows; ++row) {
    sql += row == 0 ? "(" : ", (";
    for (int column = 0; column < columns; ++column) {
      absl::StrAppend(&sql, column == 0 ? "$" : ", $", ++n);
    }
    sql += ")";
  }
  return sql;
}

std::vector<PgParam> CertificateParams(const CertificateRecord& r) {
  return {r.serial_hex,
          r.spiffe_id,
          std::string(CertKindName(r.kind)),
          Seconds(r.issued_at),
          Seconds(r.not_before),
          Seconds(r.not_after),
          r.issuer_serial_hex,
          r.issuer_subject,
          r.public_key_sha256,
          r.key_type,
          r.auth_method,
          r.auth_principal,
          r.certificate_pem,
          std::string(CertStatusName(r.status)),
          r.revoked_at.has_value() ? PgParam(Seconds(*r.revoked_at)) : std::nullopt,
          r.revocation_reason,
          r.supersedes_serial_hex};
}

absl::StatusOr<LedgerCheckpoint> ReadPgCheckpointRow(const PgResult& q, int i) {
  LedgerCheckpoint c;
  SVIDD_ASSIGN_OR_RETURN(c.event_seq, q.Int64(i, 1));
  c.head_hash = q.Text(i, 2);
  SVIDD_ASSIGN_OR_RETURN(int64_t signed_at, q.Int64(i, 3));
  c.signed_at = FromUnixSeconds(signed_at);
  c.signer_chain_pem = q.Text(i, 4);
  c.algorithm = q.Text(i, 5);
  // A signature that is not hex cannot verify; the verifier reports it as a bad signature.
  c.signature = crypto::DecodeHex(q.Text(i, 6)).value_or(std::string());
  return c;
}

std::string PgSql(const SqlFragment& q) { return NumberedPlaceholders(q.sql); }

std::vector<PgParam> PgParams(const SqlFragment& q) {
  std::vector<PgParam> out;
  out.reserve(q.params.size());
  for (const SqlValue& v : q.params) {
    if (const int64_t* n = std::get_if<int64_t>(&v)) {
      out.emplace_back(std::to_string(*n));
    } else {
      out.emplace_back(std::get<std::string>(v));
    }
  }
  return out;
}

}  // namespace svidd::ledger::internal
