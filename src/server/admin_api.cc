#include "server/admin_api.h"

#include <set>

#include "spdlog/spdlog.h"

namespace svidd::server {
namespace {

// Admin calls read the ledger and may revoke many certificates; two workers keep them off
// gRPC's threads without competing with signing.
constexpr int kAdminWorkers = 2;

// The data directory's options, with the CA and the bundle sequence answered from the
// running server's state rather than from the files.
ops::OperatorServiceOptions OperatorOptions(const ServerOptions& options,
                                            const pki::AuthorityHolder& authorities,
                                            std::function<uint64_t()> bundle_sequence) {
  ops::OperatorServiceOptions o =
      ops::DataDirOperatorOptions(options.data_dir, options.EffectiveCaDir(), options.ledger);
  o.audit_policy.overdue_fraction = options.renewal_overdue_fraction;  // as the gauge counts
  const std::string trust_domain = options.trust_domain;
  o.ca = [&authorities, trust_domain]() -> absl::StatusOr<ops::CaSnapshot> {
    std::shared_ptr<const pki::Authority> authority = authorities.Get();
    if (authority == nullptr) return absl::UnavailableError("CA not ready");
    absl::StatusOr<ops::CaSnapshot> snapshot = ops::CaSnapshotFromAuthority(*authority);
    if (snapshot.ok() && snapshot->trust_domain.empty()) snapshot->trust_domain = trust_domain;
    return snapshot;
  };
  o.bundle_sequence = [sequence = std::move(bundle_sequence)]() -> std::optional<uint64_t> {
    return sequence();
  };
  return o;
}

}  // namespace

AdminApi::AdminApi(const ServerOptions& options, ledger::Ledger& ledger,
                   const pki::AuthorityHolder& authorities,
                   const auth::Authenticator& authenticator, metrics::RefusalCounter& refusals,
                   ca::CaOperations& ca, std::function<uint64_t()> bundle_sequence,
                   const Clock& clock, AuditLog& audit) {
  operations_ = std::make_unique<ops::OperatorService>(
      ledger, OperatorOptions(options, authorities, std::move(bundle_sequence)), clock);
  std::set<std::string> admins(options.admin_ids.begin(), options.admin_ids.end());
  if (admins.empty()) {
    spdlog::warn("no --admin-id: every svidd.v1.AdminService call will be refused");
  } else {
    spdlog::info("svidd.v1.AdminService open to {} admin identities", admins.size());
  }
  authorizer_ =
      std::make_unique<api::AdminAuthorizer>(std::move(admins), authenticator, authorities);
  log_ = std::make_unique<AdminCallLog>(ledger, audit);
  workers_ = std::make_unique<WorkerPool>(kAdminWorkers);
  service_ = std::make_unique<AdminService>(
      AdminService::Deps{*operations_, *authorizer_, *log_, refusals, ca, *workers_, clock});
}

AdminApi::~AdminApi() { Stop(); }

void AdminApi::Stop() { workers_->Stop(); }

}  // namespace svidd::server
