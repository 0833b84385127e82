// The composition root: opens the ledger, loads or creates the CA, issues svidd's own serving
// certificate, wires authenticators, the issuance pipeline and the gRPC services together,
// and serves until shut down. Used by svidd's main() and, in-process, by tests.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/common/worker_pool.h"
#include "svidd/ledger/ledger.h"
#include "svidd/pki/authority_holder.h"
#include "svidd/publish/crl_publisher.h"
#include "svidd/publish/readiness.h"
#include "svidd/rotation/renewal_scheduler.h"
#include "svidd/server/server_options.h"

namespace svidd::ca {
class CaOperations;  // svidd/ca/ca_operations.h
}  // namespace svidd::ca

namespace svidd::server {

class SviddServer {
 public:
  // Serving when it returns. FAILED_PRECONDITION / INVALID_ARGUMENT naming what is wrong
  // with the configuration, the CA or the ledger.
  static absl::StatusOr<std::unique_ptr<SviddServer>> Start(ServerOptions options,
                                                            const Clock& clock);
  ~SviddServer();  // Shutdown()

  int port() const;
  // The port --crl-listen is bound to; 0 when it is off.
  int crl_port() const;
  // The port --metrics-listen is bound to; 0 when it is off.
  int metrics_port() const;
  // Stops accepting calls, lets in-flight ones finish (up to the drain timeout), flushes the
  // ledger. Idempotent.
  void Shutdown();
  // Blocks until Shutdown() has completed.
  void Wait();

  // One pass of the periodic work (serving-certificate renewal, health). The background loop
  // calls it every second; tests call it after moving a fake clock.
  absl::Status RunMaintenance();
  // One pass of the rotation scheduler at the clock's time (the background loop runs it
  // whenever something is due, re-reading the clock at least every second).
  void RunRotationPass();
  // Rotation streams currently connected, and what the scheduler has done so far.
  size_t rotation_streams() const;
  rotation::RenewalSchedulerStats rotation_stats() const;

  pki::AuthorityHolder& authorities();
  // Operator actions on the CA (rotate root / intermediate, forced re-issuance).
  ca::CaOperations& ca_operations();
  // Refresh() after a revocation; Current() for the Workload API's and the rotation stream's
  // CRLs; AddListener() to hear of new ones.
  publish::CrlPublisher& crls();
  ledger::Ledger& ledger();
  // The workers every signing request (Istio and rotation streams) waits for; bounded by
  // ServerOptions::max_queued_signings.
  WorkerPool& signing_workers();
  // Whether the health service currently says SERVING.
  bool serving() const;
  // The self-probe found the gRPC listener dead (see ServerOptions::self_probe_interval).
  bool listener_dead() const;
  // What serving() follows; other parts may add conditions of their own.
  publish::Readiness& readiness();

  struct Impl;

 private:
  explicit SviddServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace svidd::server
