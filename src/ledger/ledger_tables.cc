#include "ledger/ledger_tables.h"

#include "absl/strings/str_cat.h"
#include "svidd/common/time_format.h"

namespace svidd::ledger::internal {
namespace {

absl::StatusOr<CertKind> ParseKind(const std::string& text) {
  std::optional<CertKind> kind = ParseCertKind(text);
  if (kind.has_value()) return *kind;
  return absl::DataLossError(absl::StrCat("ledger holds unknown certificate kind \"", text, "\""));
}

absl::StatusOr<CertStatus> ParseStatus(const std::string& text) {
  std::optional<CertStatus> status = ParseCertStatus(text);
  if (status.has_value()) return *status;
  return absl::DataLossError(absl::StrCat("ledger holds unknown status \"", text, "\""));
}

}  // namespace

const char kInsertCertificateSql[] =
    "INSERT INTO certificates (serial, spiffe_id, kind, issued_at, not_before, not_after,"
    " issuer_serial, issuer_subject, public_key_sha256, key_type, auth_method, auth_principal,"
    " certificate_pem, status, revoked_at, revocation_reason, supersedes_serial)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)";

const char kSelectCertificatesSql[] =
    "SELECT serial, spiffe_id, kind, issued_at, not_before, not_after, issuer_serial,"
    " issuer_subject, public_key_sha256, key_type, auth_method, auth_principal,"
    " certificate_pem, status, revoked_at, revocation_reason, supersedes_serial"
    " FROM certificates";

absl::StatusOr<CertificateRecord> ReadCertificateRow(const ResultRow& row) {
  CertificateRecord r;
  r.serial_hex = row.Text(0);
  r.spiffe_id = row.Text(1);
  absl::StatusOr<CertKind> kind = ParseKind(row.Text(2));
  if (!kind.ok()) return kind.status();
  r.kind = *kind;
  r.issued_at = FromUnixSeconds(row.Int64(3));
  r.not_before = FromUnixSeconds(row.Int64(4));
  r.not_after = FromUnixSeconds(row.Int64(5));
  r.issuer_serial_hex = row.Text(6);
  r.issuer_subject = row.Text(7);
  r.public_key_sha256 = row.Text(8);
  r.key_type = row.Text(9);
  r.auth_method = row.Text(10);
  r.auth_principal = row.Text(11);
  r.certificate_pem = row.Text(12);
  absl::StatusOr<CertStatus> status = ParseStatus(row.Text(13));
  if (!status.ok()) return status.status();
  r.status = *status;
  if (!row.IsNull(14)) r.revoked_at = FromUnixSeconds(row.Int64(14));
  r.revocation_reason = row.Text(15);
  r.supersedes_serial_hex = row.Text(16);
  return r;
}

const char kSelectEventsSql[] =
    "SELECT seq, kind, serial, at, content_sha256, prev_hash, hash FROM ledger_events";

absl::StatusOr<LedgerEvent> ReadEventRow(const ResultRow& row) {
  LedgerEvent e;
  e.seq = row.Int64(0);
  const std::string kind = row.Text(1);
  if (kind == EventKindName(EventKind::kIssued)) {
    e.kind = EventKind::kIssued;
  } else if (kind == EventKindName(EventKind::kRevoked)) {
    e.kind = EventKind::kRevoked;
  } else {
    return absl::DataLossError(
        absl::StrCat("ledger event ", e.seq, " has unknown kind \"", kind.substr(0, 40), "\""));
  }
  e.serial_hex = row.Text(2);
  e.at = FromUnixSeconds(row.Int64(3));
  e.content_sha256 = row.Text(4);
  e.prev_hash = row.Text(5);
  e.hash = row.Text(6);
  return e;
}

const char kInsertEventSql[] =
    "INSERT INTO ledger_events (seq, kind, serial, at, content_sha256, prev_hash, hash)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
const char kSelectChainHeadSql[] = "SELECT seq, hash FROM ledger_events ORDER BY seq DESC LIMIT 1";

const char kSelectEventHashSql[] = "SELECT hash FROM ledger_events WHERE seq = ?1";

const char kSelectCheckpointsSql[] =
    "SELECT id, event_seq, head_hash, signed_at, signer_chain_pem, algorithm, signature"
    " FROM ledger_checkpoints";
const char kInsertCheckpointSql[] =
    "INSERT INTO ledger_checkpoints (event_seq, head_hash, signed_at, signer_chain_pem,"
    " algorithm, signature) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

absl::StatusOr<IdentitySummary> ReadIdentityRow(const ResultRow& row) {
  IdentitySummary s;
  s.spiffe_id = row.Text(0);
  std::optional<CertKind> kind = ParseCertKind(row.Text(1));
  std::optional<CertStatus> status = ParseCertStatus(row.Text(7));
  if (!kind.has_value() || !status.has_value()) {
    return absl::DataLossError(
        absl::StrCat("ledger holds an unknown kind or status for ", s.spiffe_id));
  }
  s.kind = *kind;
  s.certificates = row.Int64(2);
  s.valid_certificates = row.Int64(3);
  s.first_issued_at = FromUnixSeconds(row.Int64(4));
  s.last_issued_at = FromUnixSeconds(row.Int64(5));
  s.current_serial = row.Text(6);
  s.current_status = *status;
  s.current_not_before = FromUnixSeconds(row.Int64(8));
  s.current_not_after = FromUnixSeconds(row.Int64(9));
  s.current_auth_method = row.Text(10);
  return s;
}

GroupCount ReadGroupCountRow(const ResultRow& row) { return GroupCount{row.Text(0), row.Int64(1)}; }

const char kListRefusalsSql[] =
    "SELECT hour, reason, count FROM refusal_counts WHERE hour >= ?1 ORDER BY hour, reason";
const char kInsertAdminCallSql[] =
    "INSERT INTO admin_audit (at, caller_id, caller_principal, peer, method, arguments, outcome,"
    " message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
const char kListAdminCallsSql[] =
    "SELECT at, caller_id, caller_principal, peer, method, arguments, outcome, message"
    " FROM admin_audit WHERE at >= ?1 ORDER BY id DESC LIMIT ?2";

RefusalCount ReadRefusalCountRow(const ResultRow& row) {
  return RefusalCount{FromUnixSeconds(row.Int64(0)), row.Text(1), row.Int64(2)};
}

AdminCallRecord ReadAdminCallRow(const ResultRow& row) {
  return AdminCallRecord{.at = FromUnixSeconds(row.Int64(0)),
                         .caller_id = row.Text(1),
                         .caller_principal = row.Text(2),
                         .peer = row.Text(3),
                         .method = row.Text(4),
                         .arguments = row.Text(5),
                         .outcome = row.Text(6),
                         .message = row.Text(7)};
}

const char kAcquireLeaseSql[] =
    "INSERT INTO leases (name, holder, expires_at_ms, acquired_at_ms, term) "
    "VALUES (?1, ?2, ?3, ?4, 1) "
    "ON CONFLICT (name) DO UPDATE SET "
    "  term = CASE WHEN leases.holder = excluded.holder THEN leases.term ELSE leases.term + 1 END,"
    "  acquired_at_ms = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at_ms "
    "                   ELSE excluded.acquired_at_ms END,"
    "  holder = excluded.holder, expires_at_ms = excluded.expires_at_ms "
    "WHERE leases.holder = excluded.holder OR leases.expires_at_ms <= excluded.acquired_at_ms";
const char kSelectLeaseSql[] = "SELECT holder, expires_at_ms, term FROM leases WHERE name = ?1";
const char kReleaseLeaseSql[] =
    "UPDATE leases SET expires_at_ms = 0 WHERE name = ?1 AND holder = ?2";

LeaseRecord ReadLeaseRow(const ResultRow& row) {
  return LeaseRecord{row.Text(0), TimePoint(std::chrono::milliseconds(row.Int64(1))), row.Int64(2)};
}

}  // namespace svidd::ledger::internal
