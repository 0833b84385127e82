#include "ledger/certificate_rows.h"

#include "absl/strings/str_cat.h"
#include "svidd/common/time_format.h"

namespace svidd::ledger::internal {

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
  // The insert's only unique key is serial (seq is assigned); SqliteError fixed the kind from
  // the extended result code.
  if (absl::IsAlreadyExists(status)) {
    return absl::AlreadyExistsError(
        absl::StrCat("certificate serial ", r.serial_hex, " is already recorded in the ledger"));
  }
  return absl::Status(status.code(),
                      absl::StrCat("recording certificate ", r.serial_hex, ": ", status.message()));
}

}  // namespace svidd::ledger::internal
