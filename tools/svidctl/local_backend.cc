// The data directory as a Backend: svidd::ops::OperatorService over ledger.db (opened read-only)
// and the CA directory, wired the way the server wires its admin API (src/server/admin_api.cc),
// so a question asked here gets the server's answer. Revocation alone writes: to the same
// ledger, where the running server's revocation watcher picks it up.
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "svidctl/backend.h"
#include "svidctl/data_dir_ledger.h"
#include "svidd/api/trust_bundle_state.h"
#include "svidd/common/data_dir.h"
#include "svidd/common/status_macros.h"
#include "svidd/operator/operator_service.h"

namespace svidctl {
namespace {

namespace fs = std::filesystem;

absl::Status NeedsServer(const char* command) {
  return absl::FailedPreconditionError(
      absl::StrCat(command,
                   " asks the running svidd's CA manager: give --server HOST:PORT with --cert, "
                   "--key and --root-cert (or SVIDCTL_SERVER, SVIDCTL_CERT, ...)"));
}

// The data directory's options; the bundle sequence is the one svidd last published.
svidd::ops::OperatorServiceOptions LocalOperatorOptions(const BackendOptions& o) {
  const fs::path data_dir = o.data_dir;
  svidd::ops::OperatorServiceOptions options =
      svidd::ops::DataDirOperatorOptions(data_dir, o.EffectiveCaDir(), o.ledger);
  options.bundle_sequence =
      [file = svidd::DataDir(data_dir).trust_bundle_state()]() -> std::optional<uint64_t> {
    absl::StatusOr<std::optional<uint64_t>> sequence = svidd::api::ReadTrustBundleSequence(file);
    return sequence.ok() ? *sequence : std::nullopt;
  };
  return options;
}

class LocalBackend : public Backend {
 public:
  LocalBackend(BackendOptions options, std::unique_ptr<svidd::ledger::Ledger> ledger,
               const svidd::Clock& clock)
      : options_(std::move(options)),
        ledger_(std::move(ledger)),
        service_(*ledger_, LocalOperatorOptions(options_), clock),
        clock_(clock) {}

  absl::StatusOr<svidd::ledger::CertificatePage> ListCertificates(
      const svidd::ledger::CertificateFilter& filter) override {
    return service_.ListCertificates(filter);
  }
  absl::StatusOr<svidd::ledger::CertificateRecord> GetCertificate(
      std::string_view serial) override {
    return service_.GetCertificate(serial);
  }
  // Writes to the same ledger the running server reads; it notices within a second.
  absl::StatusOr<svidd::ops::RevocationResult> Revoke(
      const svidd::ops::RevocationRequest& request) override {
    SVIDD_ASSIGN_OR_RETURN(
        std::unique_ptr<svidd::ledger::Ledger> ledger,
        OpenDataDirLedger(options_.data_dir, LedgerAccess::kReadWrite, options_.ledger));
    return svidd::ops::RevokeCertificates(*ledger, request, clock_.Now());
  }
  absl::StatusOr<std::vector<svidd::ledger::IdentitySummary>> ListIdentities(
      const svidd::ledger::IdentityFilter& filter) override {
    return service_.ListIdentities(filter);
  }
  absl::StatusOr<svidd::ops::FleetStats> Stats(std::optional<svidd::TimePoint> at) override {
    return service_.Stats(at);
  }
  absl::StatusOr<svidd::ops::AuditReport> Audit(std::optional<svidd::TimePoint> at) override {
    return service_.Audit(at);
  }
  absl::StatusOr<svidd::ops::TrustBundleRoots> TrustBundle() override {
    return service_.TrustBundle();
  }

  absl::StatusOr<svidd::ops::CaManagerStatus> CaStatus() override {
    return NeedsServer("ca status");
  }
  absl::StatusOr<svidd::ops::CaManagerStatus> RotateRoot() override {
    return NeedsServer("ca rotate-root");
  }
  absl::StatusOr<svidd::ops::CaManagerStatus> RotateIntermediate() override {
    return NeedsServer("ca rotate-intermediate");
  }
  absl::StatusOr<uint64_t> Reissue(std::string_view) override { return NeedsServer("ca reissue"); }

 private:
  BackendOptions options_;
  std::unique_ptr<svidd::ledger::Ledger> ledger_;
  svidd::ops::OperatorService service_;
  const svidd::Clock& clock_;
};

}  // namespace

std::string BackendOptions::EffectiveCaDir() const {
  return svidd::DataDir(data_dir, ca_dir).ca().string();
}

absl::StatusOr<std::unique_ptr<Backend>> OpenLocalBackend(const BackendOptions& options,
                                                          const svidd::Clock& clock) {
  SVIDD_ASSIGN_OR_RETURN(
      std::unique_ptr<svidd::ledger::Ledger> ledger,
      OpenDataDirLedger(options.data_dir, LedgerAccess::kReadOnly, options.ledger));
  return std::make_unique<LocalBackend>(options, std::move(ledger), clock);
}

absl::StatusOr<std::unique_ptr<Backend>> OpenBackend(const BackendOptions& options,
                                                     const svidd::Clock& clock) {
  if (options.remote()) return OpenRemoteBackend(options);
  return OpenLocalBackend(options, clock);
}

}  // namespace svidctl
