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
  std::string auth_method;     // AuthMethodName() or "self"
  std::string auth_principal;
  TimePoint issued_at;
};

absl::StatusOr<CertificateRecord> BuildCertificateRecord(const IssuedCertificate& issued,
                                                         const Authority& issuer,
                                                         const EVP_PKEY* subject_key,
                                                         const IssuanceContext& context);

}  // namespace svidd
