// Ledger records made from real certificates signed by a test Authority, with every field
// filled as the server fills it.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/ledger/certificate_record.h"
#include "svidd/pki/authority.h"

namespace svidd::testing {

struct RecordSpec {
  std::string serial_hex;  // at most 16 bytes of hex, no leading zero
  std::string spiffe_id;
  TimePoint issued_at;  // not_before is two minutes earlier
  TimePoint not_after;
  ledger::CertKind kind = ledger::CertKind::kWorkload;
  const EVP_PKEY* key = nullptr;  // null: a fresh EC P-256 key
  std::string supersedes_serial_hex;
  std::string auth_method = "kubernetes";
};

absl::StatusOr<ledger::CertificateRecord> IssueTestRecord(const pki::Authority& authority,
                                                          const RecordSpec& spec);

// The common case: a workload certificate for a fresh EC P-256 key.
absl::StatusOr<ledger::CertificateRecord> IssueRecord(const pki::Authority& authority,
                                                      const std::string& serial_hex,
                                                      const std::string& spiffe_id,
                                                      TimePoint issued_at, TimePoint not_after);

}  // namespace svidd::testing
