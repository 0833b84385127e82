// The admin API as one part of the composition root: the operator library over the server's
// ledger and active CA, the authorizer for --admin-id, the audit log, a small worker pool, and
// the gRPC service to register.
#pragma once

#include <memory>

#include "server/admin_call_log.h"
#include "server/admin_service.h"
#include "svidd/api/admin_authorizer.h"
#include "svidd/ca/ca_operations.h"
#include "svidd/metrics/refusal_counter.h"
#include "svidd/pki/authority_holder.h"
#include "svidd/server/server_options.h"

namespace svidd::server {

class AdminApi {
 public:
  // Everything passed must outlive the AdminApi.
  AdminApi(const ServerOptions& options, ledger::Ledger& ledger,
           const pki::AuthorityHolder& authorities, const auth::Authenticator& authenticator,
           metrics::RefusalCounter& refusals, ca::CaOperations& ca,
           std::function<uint64_t()> bundle_sequence, const Clock& clock, AuditLog& audit);
  ~AdminApi();

  grpc::Service* service() { return service_.get(); }
  // Finishes the calls already accepted; later ones are answered UNAVAILABLE. Idempotent.
  void Stop();

 private:
  std::unique_ptr<ops::OperatorService> operations_;
  std::unique_ptr<api::AdminAuthorizer> authorizer_;
  std::unique_ptr<AdminCallLog> log_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<AdminService> service_;
};

}  // namespace svidd::server
