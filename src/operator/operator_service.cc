#include "svidd/operator/operator_service.h"

#include "svidd/common/data_dir.h"
#include "svidd/common/status_macros.h"
#include "svidd/operator/operator_input.h"

namespace svidd::ops {

OperatorServiceOptions DataDirOperatorOptions(const std::filesystem::path& data_dir,
                                              const std::filesystem::path& ca_dir,
                                              const std::string& ledger_uri) {
  OperatorServiceOptions o;
  o.ca = [ca_dir] { return ReadCaSnapshot(ca_dir); };
  o.ca_dir = ca_dir;
  o.other_key_dirs = DataDir(data_dir, ca_dir).OtherKeyDirs();
  o.integrity = DefaultLedgerIntegrityCheck(data_dir, ca_dir, ledger_uri);
  return o;
}

OperatorService::OperatorService(ledger::Ledger& ledger, OperatorServiceOptions options,
                                 const Clock& clock)
    : ledger_(ledger), options_(std::move(options)), clock_(clock) {}

absl::StatusOr<ledger::CertificatePage> OperatorService::ListCertificates(
    const ledger::CertificateFilter& filter) const {
  return ledger_.QueryCertificates(filter);
}

absl::StatusOr<ledger::CertificateRecord> OperatorService::GetCertificate(
    std::string_view serial) const {
  SVIDD_ASSIGN_OR_RETURN(std::string normalized, ParseOperatorSerial(serial));
  return ledger_.GetCertificate(normalized);
}

absl::StatusOr<RevocationResult> OperatorService::Revoke(const RevocationRequest& request) {
  return RevokeCertificates(ledger_, request, clock_.Now());
}

absl::StatusOr<std::vector<ledger::IdentitySummary>> OperatorService::ListIdentities(
    const ledger::IdentityFilter& filter) const {
  return ledger_.ListIdentities(filter);
}

absl::StatusOr<FleetStats> OperatorService::Stats(std::optional<TimePoint> at) const {
  SVIDD_ASSIGN_OR_RETURN(CaSnapshot ca, options_.ca());
  return CollectStats(ledger_, ca, at.value_or(clock_.Now()), options_.stats);
}

// A CA that cannot be read is a finding, not a failure: that is when an audit matters most.
absl::StatusOr<AuditReport> OperatorService::Audit(std::optional<TimePoint> at) const {
  absl::StatusOr<CaSnapshot> ca = options_.ca();
  AuditInputs inputs{ledger_,
                     ca.ok() ? &*ca : nullptr,
                     ca.ok() ? std::string() : std::string(ca.status().message()),
                     options_.ca_dir,
                     options_.integrity,
                     options_.other_key_dirs};
  return RunAudit(inputs, at.value_or(clock_.Now()), options_.audit_policy);
}

absl::StatusOr<TrustBundleRoots> OperatorService::TrustBundle() const {
  SVIDD_ASSIGN_OR_RETURN(CaSnapshot ca, options_.ca());
  TrustBundleRoots bundle = TrustBundleOf(ca);
  if (options_.bundle_sequence) {
    if (std::optional<uint64_t> sequence = options_.bundle_sequence()) bundle.sequence = *sequence;
  }
  return bundle;
}

}  // namespace svidd::ops
