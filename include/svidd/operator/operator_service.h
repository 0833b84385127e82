// Everything an operator can ask of svidd, as library code: the admin gRPC service answers
// with it on the server, and svidctl uses it directly on a data directory. Both hand it the
// same kind of inputs (a ledger, where the CA comes from, a clock), so a question gets the
// same answer either way.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/ledger/ledger.h"
#include "svidd/operator/audit.h"
#include "svidd/operator/ca_snapshot.h"
#include "svidd/operator/fleet_stats.h"
#include "svidd/operator/revocation.h"

namespace svidd::ops {

// The CA as it is now: the server's active authority, or a CA directory read afresh.
using CaSnapshotSource = std::function<absl::StatusOr<CaSnapshot>()>;

struct OperatorServiceOptions {
  CaSnapshotSource ca;
  std::filesystem::path ca_dir;                       // whose key files the audit checks
  std::vector<std::filesystem::path> other_key_dirs;  // svidd's root, a prepared CA, ...
  LedgerIntegrityCheck integrity;
  // The trust bundle's sequence (the server's publisher, or its state file); absent: derived
  // from the roots.
  std::function<std::optional<uint64_t>()> bundle_sequence;
  AuditPolicy audit_policy;
  StatsOptions stats;
};

// A data directory's options, as svidctl's local look uses them: the CA read afresh from
// `ca_dir`'s files, the audit over `ca_dir`'s key and svidd's other key directories
// (<data-dir>/root, root-next, ca-next, ca-pending), the ledger verifier over <data-dir>. No
// bundle sequence. The server starts from the same options and answers `ca` and
// `bundle_sequence` from its live state instead.
// `ledger_uri`: svidd's PostgreSQL ledger (--ledger); "" = <data_dir>/ledger.db.
OperatorServiceOptions DataDirOperatorOptions(const std::filesystem::path& data_dir,
                                              const std::filesystem::path& ca_dir,
                                              const std::string& ledger_uri = "");

class OperatorService {
 public:
  // `ledger` and `clock` must outlive the service.
  OperatorService(ledger::Ledger& ledger, OperatorServiceOptions options, const Clock& clock);

  absl::StatusOr<ledger::CertificatePage> ListCertificates(
      const ledger::CertificateFilter& filter) const;
  // `serial` in any operator spelling.
  absl::StatusOr<ledger::CertificateRecord> GetCertificate(std::string_view serial) const;
  // Revokes at the clock's time.
  absl::StatusOr<RevocationResult> Revoke(const RevocationRequest& request);
  absl::StatusOr<std::vector<ledger::IdentitySummary>> ListIdentities(
      const ledger::IdentityFilter& filter) const;
  // As of `at` (default: the clock's now).
  absl::StatusOr<FleetStats> Stats(std::optional<TimePoint> at = std::nullopt) const;
  absl::StatusOr<AuditReport> Audit(std::optional<TimePoint> at = std::nullopt) const;
  absl::StatusOr<TrustBundleRoots> TrustBundle() const;

  TimePoint Now() const { return clock_.Now(); }

 private:
  ledger::Ledger& ledger_;
  OperatorServiceOptions options_;
  const Clock& clock_;
};

}  // namespace svidd::ops
