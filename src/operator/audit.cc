#include "svidd/operator/audit.h"

#include <algorithm>
#include <tuple>

#include "operator/audit_checks.h"
#include "svidd/common/status_macros.h"

namespace svidd {
namespace {

using audit_internal::CheckCaLifetimes;
using audit_internal::CheckKeyFiles;
using audit_internal::CheckRenewals;
using audit_internal::CheckWeakKeys;

void Append(std::vector<AuditFinding>& to, std::vector<AuditFinding> from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

void SortFindings(std::vector<AuditFinding>& findings) {
  std::stable_sort(findings.begin(), findings.end(),
                   [](const AuditFinding& a, const AuditFinding& b) {
                     return std::make_tuple(-static_cast<int>(a.severity), a.check, a.subject) <
                            std::make_tuple(-static_cast<int>(b.severity), b.check, b.subject);
                   });
}

std::vector<AuditFinding> CheckCa(const AuditInputs& in, TimePoint now, const AuditPolicy& policy) {
  if (in.ca != nullptr) return CheckCaLifetimes(*in.ca, now, policy);
  return {AuditFinding{AuditSeverity::kCritical, "ca-expiry", in.ca_dir.string(),
                       "the CA cannot be read: " + in.ca_error}};
}

}  // namespace

const char* AuditSeverityName(AuditSeverity severity) {
  switch (severity) {
    case AuditSeverity::kInfo:
      return "info";
    case AuditSeverity::kWarning:
      return "warning";
    case AuditSeverity::kCritical:
      return "critical";
  }
  return "unknown";
}

int AuditReport::Count(AuditSeverity severity) const {
  return static_cast<int>(
      std::count_if(findings.begin(), findings.end(),
                    [severity](const AuditFinding& f) { return f.severity == severity; }));
}

// INTEGRATION POINT (ledger-chain): replace the body with a call to the LedgerVerifier
// (recompute the chain and the checkpoint signatures), returning one critical finding with
// check "ledger-integrity" and the first broken row when verification fails.
LedgerIntegrityCheck DefaultLedgerIntegrityCheck(const Ledger& /*ledger*/) {
  return [](TimePoint) {
    return std::vector<AuditFinding>{
        {AuditSeverity::kInfo, "ledger-integrity", "ledger",
         "the ledger's hash chain was not verified: this build has no ledger verifier"}};
  };
}

absl::StatusOr<AuditReport> RunAudit(const AuditInputs& in, TimePoint now,
                                     const AuditPolicy& policy) {
  AuditReport report;
  report.generated_at = now;
  Append(report.findings, CheckCa(in, now, policy));
  Append(report.findings, CheckKeyFiles(in.ca_dir));
  SVIDD_ASSIGN_OR_RETURN(std::vector<AuditFinding> renewals, CheckRenewals(in.ledger, now, policy));
  Append(report.findings, std::move(renewals));
  SVIDD_ASSIGN_OR_RETURN(std::vector<AuditFinding> weak, CheckWeakKeys(in.ledger, now, policy));
  Append(report.findings, std::move(weak));
  if (in.integrity) Append(report.findings, in.integrity(now));
  SortFindings(report.findings);
  return report;
}

}  // namespace svidd
