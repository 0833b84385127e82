#include "svidd/operator/revocation.h"

#include "absl/strings/str_cat.h"
#include "svidd/common/status_macros.h"
#include "svidd/operator/operator_input.h"

namespace svidd::ops {
namespace {

absl::StatusOr<RevocationResult> RevokeOne(ledger::Ledger& ledger, const RevocationRequest& request,
                                           TimePoint at) {
  SVIDD_ASSIGN_OR_RETURN(std::string serial, ParseOperatorSerial(request.value));
  SVIDD_RETURN_IF_ERROR(ledger.RevokeCertificate(serial, request.reason, at));
  SVIDD_ASSIGN_OR_RETURN(ledger::CertificateRecord record, ledger.GetCertificate(serial));
  return RevocationResult{{std::move(record)}};
}

absl::StatusOr<ledger::CertificateFilter> Matching(const RevocationRequest& request) {
  ledger::CertificateFilter filter;
  if (request.target == RevocationRequest::Target::kSpiffeId) {
    filter.spiffe_id = request.value;
  } else {
    SVIDD_ASSIGN_OR_RETURN(filter.issuer_serial,
                           ParseOperatorSerial(request.value, "issuer serial"));
  }
  return filter;
}

std::string Describe(const RevocationRequest& request, const ledger::CertificateFilter& filter) {
  if (filter.spiffe_id) return absl::StrCat("SPIFFE ID ", *filter.spiffe_id);
  return absl::StrCat("issuer ", *filter.issuer_serial);
}

// Revokes each active match in turn. One that another revoker got to first is skipped.
absl::StatusOr<RevocationResult> RevokeAll(ledger::Ledger& ledger, const RevocationRequest& request,
                                           TimePoint at) {
  SVIDD_ASSIGN_OR_RETURN(ledger::CertificateFilter filter, Matching(request));
  SVIDD_ASSIGN_OR_RETURN(int64_t known, ledger.CountCertificates(filter));
  if (known == 0) {
    return absl::NotFoundError(
        absl::StrCat("no certificate for ", Describe(request, filter), " in the ledger"));
  }
  filter.status = ledger::CertStatus::kActive;
  SVIDD_ASSIGN_OR_RETURN(std::vector<ledger::CertificateRecord> active,
                         ledger.ListCertificates(filter));
  RevocationResult result;
  for (const ledger::CertificateRecord& r : active) {
    absl::Status s = ledger.RevokeCertificate(r.serial_hex, request.reason, at);
    if (absl::IsFailedPrecondition(s)) continue;
    if (!s.ok()) {
      return absl::Status(
          s.code(),
          absl::StrCat("revoked ", result.revoked.size(), " of ", active.size(),
                       " certificates for ", Describe(request, filter), ", then: ", s.message()));
    }
    SVIDD_ASSIGN_OR_RETURN(ledger::CertificateRecord revoked, ledger.GetCertificate(r.serial_hex));
    result.revoked.push_back(std::move(revoked));
  }
  return result;
}

}  // namespace

absl::StatusOr<RevocationResult> RevokeCertificates(ledger::Ledger& ledger,
                                                    const RevocationRequest& request,
                                                    TimePoint at) {
  if (request.value.empty()) {
    return absl::InvalidArgumentError("name a serial, a SPIFFE ID or an issuer serial to revoke");
  }
  if (request.target == RevocationRequest::Target::kSerial) return RevokeOne(ledger, request, at);
  return RevokeAll(ledger, request, at);
}

}  // namespace svidd::ops
