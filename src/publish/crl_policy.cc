#include "publish/crl_policy.h"

#include <algorithm>

#include "svidd/common/lifetime.h"

namespace svidd {

std::vector<RevokedCertificate> RevokedEntriesFor(const std::vector<CertificateRecord>& records,
                                                  std::string_view issuer_serial_hex, TimePoint now,
                                                  std::chrono::seconds retention) {
  std::vector<RevokedCertificate> out;
  for (const CertificateRecord& record : records) {
    if (record.status != CertStatus::kRevoked || !record.revoked_at.has_value() ||
        record.issuer_serial_hex != issuer_serial_hex || record.not_after + retention <= now) {
      continue;
    }
    out.push_back({record.serial_hex, *record.revoked_at,
                   RevocationReasonFromText(record.revocation_reason)});
  }
  // SerialHex has no leading zero bytes, so shorter is smaller.
  std::sort(out.begin(), out.end(), [](const RevokedCertificate& a, const RevokedCertificate& b) {
    if (a.serial_hex.size() != b.serial_hex.size())
      return a.serial_hex.size() < b.serial_hex.size();
    return a.serial_hex < b.serial_hex;
  });
  return out;
}

bool CrlNeedsRebuild(const Crl& current, const std::vector<RevokedCertificate>& wanted,
                     TimePoint now) {
  if (current.revoked != wanted) return true;
  return Lifetime::Of(current.this_update, current.next_update).PastHalfLife(now);
}

}  // namespace svidd
