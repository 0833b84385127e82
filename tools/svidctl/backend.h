// Where svidctl's answers come from. Every command asks a Backend, and a Backend answers with
// the operator library's own types, never the admin API's wire types, so a command prints the
// same thing whichever one it got:
//   - LocalBackend: the data directory itself (ledger.db read-only, the CA directory's
//     certificates), through svidd::ops::OperatorService — what the server runs too;
//   - RemoteBackend: a running svidd's admin API (svidd.v1.AdminService), authenticated by
//     the operator's client certificate.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/ledger/certificate_filter.h"
#include "svidd/ledger/operator_records.h"
#include "svidd/operator/audit.h"
#include "svidd/operator/ca_snapshot.h"
#include "svidd/operator/fleet_stats.h"
#include "svidd/operator/revocation.h"

namespace svidctl {

class Backend {
 public:
  virtual ~Backend() = default;

  virtual absl::StatusOr<svidd::ledger::CertificatePage> ListCertificates(
      const svidd::ledger::CertificateFilter& filter) = 0;
  // `serial` in any operator spelling; the record carries certificate_pem.
  virtual absl::StatusOr<svidd::ledger::CertificateRecord> GetCertificate(
      std::string_view serial) = 0;
  virtual absl::StatusOr<svidd::ops::RevocationResult> Revoke(
      const svidd::ops::RevocationRequest& request) = 0;
  virtual absl::StatusOr<std::vector<svidd::ledger::IdentitySummary>> ListIdentities(
      const svidd::ledger::IdentityFilter& filter) = 0;
  // As of `at`; default: now.
  virtual absl::StatusOr<svidd::ops::FleetStats> Stats(std::optional<svidd::TimePoint> at) = 0;
  virtual absl::StatusOr<svidd::ops::AuditReport> Audit(std::optional<svidd::TimePoint> at) = 0;
  virtual absl::StatusOr<svidd::ops::TrustBundleRoots> TrustBundle() = 0;

  // The CA manager lives in the server: these need a RemoteBackend, and a LocalBackend
  // answers FAILED_PRECONDITION saying so.
  virtual absl::StatusOr<svidd::ops::CaManagerStatus> CaStatus() = 0;
  virtual absl::StatusOr<svidd::ops::CaManagerStatus> RotateRoot() = 0;
  virtual absl::StatusOr<svidd::ops::CaManagerStatus> RotateIntermediate() = 0;
  // How many connected workloads were asked to renew.
  virtual absl::StatusOr<uint64_t> Reissue(std::string_view issuer_serial) = 0;
};

// How to reach svidd. With `server` set, the admin API; otherwise the data directory.
struct BackendOptions {
  std::string data_dir = "./var/svidd";
  std::string ledger;  // --ledger: a PostgreSQL ledger's URI; "" = <data_dir>/ledger.db
  std::string ca_dir;  // default <data_dir>/ca
  // Remote (flags, or SVIDCTL_SERVER, SVIDCTL_CERT, SVIDCTL_KEY, SVIDCTL_ROOT_CERT,
  // SVIDCTL_SERVER_NAME).
  std::string server;       // HOST:PORT
  std::string cert;         // client certificate chain PEM (svidctl admin issue's cert-chain.pem)
  std::string key;          // its private key
  std::string root_cert;    // roots that verify svidd's serving certificate
  std::string server_name;  // name to verify in it; default: the host in `server`, or
                            // localhost (svidd's default) when that is an IP address
  int timeout_seconds = 30;

  bool remote() const { return !server.empty(); }
  std::string EffectiveCaDir() const;
};

absl::StatusOr<std::unique_ptr<Backend>> OpenLocalBackend(const BackendOptions& options,
                                                          const svidd::Clock& clock);
absl::StatusOr<std::unique_ptr<Backend>> OpenRemoteBackend(const BackendOptions& options);
// Remote if options.remote(), else local.
absl::StatusOr<std::unique_ptr<Backend>> OpenBackend(const BackendOptions& options,
                                                     const svidd::Clock& clock);

}  // namespace svidctl
