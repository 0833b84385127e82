// Revoking what an operator names: one serial, every certificate of a SPIFFE ID, or every
// certificate one CA certificate signed. Each certificate goes through
// Ledger::RevokeCertificate on its own, so every revocation leaves the same trace in the
// ledger as a single one.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/ledger/ledger.h"

namespace svidd::ops {

struct RevocationRequest {
  enum class Target { kSerial, kSpiffeId, kIssuer };
  Target target = Target::kSerial;
  std::string value;   // serial (any operator spelling), SPIFFE ID, or issuer serial
  std::string reason;  // free text, recorded as given
};

struct RevocationResult {
  std::vector<ledger::CertificateRecord> revoked;  // as recorded after revocation, newest first
};

// kSerial: NOT_FOUND / FAILED_PRECONDITION (already revoked) as the ledger says.
// kSpiffeId / kIssuer: every active certificate that matches; NOT_FOUND if the ledger has no
// certificate at all for that ID or issuer; OK with nothing revoked if all were revoked
// already. INVALID_ARGUMENT for an empty value or a serial that is not hex.
absl::StatusOr<RevocationResult> RevokeCertificates(ledger::Ledger& ledger,
                                                    const RevocationRequest& request, TimePoint at);

}  // namespace svidd::ops
