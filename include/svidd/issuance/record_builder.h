// Turns a freshly signed certificate into the ledger row that must be written before it is
// handed out.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "svidd/ledger/certificate_record.h"
#include "svidd/pki/authority.h"

namespace svidd::issuance {

struct IssuanceContext {
  ledger::CertKind kind = ledger::CertKind::kWorkload;
  std::string spiffe_id;
  std::string auth_method;  // AuthMethodName() or "self"
  std::string auth_principal;
  TimePoint issued_at;
  std::string supersedes_serial_hex;  // the certificate this one replaces ("" if none)
};

// The key's hash and type come from `issued` (computed from the certified key's bytes).
absl::StatusOr<ledger::CertificateRecord> BuildCertificateRecord(
    const pki::IssuedCertificate& issued, const pki::Authority& issuer,
    const IssuanceContext& context);

// The ledger row of a CA certificate svidd made: `ca`'s signer, issued by `issuer` (a root).
absl::StatusOr<ledger::CertificateRecord> BuildCaCertificateRecord(
    const pki::CaMaterial& ca, const X509* issuer, const std::string& spiffe_id,
    const std::string& auth_principal, TimePoint issued_at);

}  // namespace svidd::issuance
