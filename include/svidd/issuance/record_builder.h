// Turns a freshly signed certificate into the ledger row that must be written before it is
// handed out.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "svidd/ledger/certificate_record.h"
#include "svidd/pki/authority.h"

namespace svidd {

struct IssuanceContext {
  CertKind kind = CertKind::kWorkload;
  std::string spiffe_id;
  std::string auth_method;  // AuthMethodName() or "self"
  std::string auth_principal;
  TimePoint issued_at;
};

// The key's hash and type come from `issued` (computed from the certified key's bytes).
absl::StatusOr<CertificateRecord> BuildCertificateRecord(const IssuedCertificate& issued,
                                                         const Authority& issuer,
                                                         const IssuanceContext& context);

// The ledger row of a CA certificate svidd made: `ca`'s signer, issued by `issuer` (a root).
absl::StatusOr<CertificateRecord> BuildCaCertificateRecord(const CaMaterial& ca, const X509* issuer,
                                                           const std::string& spiffe_id,
                                                           const std::string& auth_principal,
                                                           TimePoint issued_at);

}  // namespace svidd
