#include "svidd/issuance/record_builder.h"

#include "svidd/common/status_macros.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"

namespace svidd {

absl::StatusOr<CertificateRecord> BuildCertificateRecord(const IssuedCertificate& issued,
                                                         const Authority& issuer,
                                                         const IssuanceContext& context) {
  CertificateRecord record;
  record.serial_hex = issued.serial_hex;
  record.spiffe_id = context.spiffe_id;
  record.kind = context.kind;
  record.issued_at = context.issued_at;
  record.not_before = issued.not_before;
  record.not_after = issued.not_after;
  record.issuer_serial_hex = issuer.signer_serial_hex();
  record.issuer_subject = SubjectString(issuer.signing_cert());
  record.public_key_sha256 = issued.public_key_sha256;
  record.key_type = issued.key_label;
  record.auth_method = context.auth_method;
  record.auth_principal = context.auth_principal;
  record.certificate_pem = issued.pem;
  record.status = CertStatus::kActive;
  return record;
}

absl::StatusOr<CertificateRecord> BuildCaCertificateRecord(const CaMaterial& ca,
                                                           const X509* issuer,
                                                           const std::string& spiffe_id,
                                                           const std::string& auth_principal,
                                                           TimePoint issued_at) {
  const X509* cert = ca.signing_cert.get();
  CertificateRecord record;
  record.serial_hex = SerialHex(cert);
  record.spiffe_id = spiffe_id;
  record.kind = CertKind::kIntermediate;
  record.issued_at = issued_at;
  record.not_before = NotBefore(cert);
  record.not_after = NotAfter(cert);
  record.issuer_serial_hex = SerialHex(issuer);
  record.issuer_subject = SubjectString(issuer);
  SVIDD_ASSIGN_OR_RETURN(record.public_key_sha256, PublicKeySha256Hex(ca.signing_key.get()));
  SVIDD_ASSIGN_OR_RETURN(KeyDescription key, DescribeKey(ca.signing_key.get()));
  record.key_type = key.Label();
  record.auth_method = "self";
  record.auth_principal = auth_principal;
  SVIDD_ASSIGN_OR_RETURN(record.certificate_pem, CertificateToPem(cert));
  record.status = CertStatus::kActive;
  return record;
}

}  // namespace svidd
