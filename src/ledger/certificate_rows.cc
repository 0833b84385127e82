#include "ledger/certificate_rows.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "svidd/common/time_format.h"

namespace svidd::internal {
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

absl::Status InsertCertificate(Statement& insert, const CertificateRecord& r) {
  insert.Reset();
  insert.BindText(1, r.serial_hex);
  insert.BindText(2, r.spiffe_id);
  insert.BindText(3, CertKindName(r.kind));
  insert.BindInt64(4, ToUnixSeconds(r.issued_at));
  insert.BindInt64(5, ToUnixSeconds(r.not_before));
  insert.BindInt64(6, ToUnixSeconds(r.not_after));
  insert.BindText(7, r.issuer_serial_hex);
  insert.BindText(8, r.issuer_subject);
  insert.BindText(9, r.public_key_sha256);
  insert.BindText(10, r.key_type);
  insert.BindText(11, r.auth_method);
  insert.BindText(12, r.auth_principal);
  insert.BindText(13, r.certificate_pem);
  insert.BindText(14, CertStatusName(r.status));
  if (r.revoked_at.has_value()) {
    insert.BindInt64(15, ToUnixSeconds(*r.revoked_at));
  } else {
    insert.BindNull(15);
  }
  insert.BindText(16, r.revocation_reason);
  insert.BindText(17, r.supersedes_serial_hex);
  absl::Status status = insert.Run();
  insert.Reset();
  if (status.ok()) return status;
  if (status.code() == absl::StatusCode::kInvalidArgument &&
      absl::StrContains(status.message(), "certificates.serial")) {
    return absl::AlreadyExistsError(
        absl::StrCat("certificate serial ", r.serial_hex, " is already recorded in the ledger"));
  }
  return absl::Status(status.code(),
                      absl::StrCat("recording certificate ", r.serial_hex, ": ", status.message()));
}

absl::StatusOr<CertificateRecord> ReadCertificateRow(const Statement& row) {
  CertificateRecord r;
  r.serial_hex = row.ColumnText(0);
  r.spiffe_id = row.ColumnText(1);
  absl::StatusOr<CertKind> kind = ParseKind(row.ColumnText(2));
  if (!kind.ok()) return kind.status();
  r.kind = *kind;
  r.issued_at = FromUnixSeconds(row.ColumnInt64(3));
  r.not_before = FromUnixSeconds(row.ColumnInt64(4));
  r.not_after = FromUnixSeconds(row.ColumnInt64(5));
  r.issuer_serial_hex = row.ColumnText(6);
  r.issuer_subject = row.ColumnText(7);
  r.public_key_sha256 = row.ColumnText(8);
  r.key_type = row.ColumnText(9);
  r.auth_method = row.ColumnText(10);
  r.auth_principal = row.ColumnText(11);
  r.certificate_pem = row.ColumnText(12);
  absl::StatusOr<CertStatus> status = ParseStatus(row.ColumnText(13));
  if (!status.ok()) return status.status();
  r.status = *status;
  if (!row.ColumnIsNull(14)) r.revoked_at = FromUnixSeconds(row.ColumnInt64(14));
  r.revocation_reason = row.ColumnText(15);
  r.supersedes_serial_hex = row.ColumnText(16);
  return r;
}

}  // namespace svidd::internal
