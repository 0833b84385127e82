// svidd.v1.AdminService on gRPC's callback API. Each handler unpacks its request into the
// operator library's types and back; Serve() puts every call through the same steps on an
// admin worker: authorise → run → audit-log → answer. A call that cannot be audit-logged is
// answered UNAVAILABLE: no audit, no answer.
#pragma once

#include <functional>
#include <string>

#include "server/admin_call_log.h"
#include "svidd/api/admin_authorizer.h"
#include "svidd/ca/ca_operations.h"
#include "svidd/common/clock.h"
#include "svidd/common/worker_pool.h"
#include "svidd/metrics/refusal_counter.h"
#include "svidd/operator/operator_service.h"
#include "svidd/v1/admin.grpc.pb.h"

namespace svidd::server {

class AdminService final : public svidd::v1::AdminService::CallbackService {
 public:
  struct Deps {
    ops::OperatorService& operations;
    const api::AdminAuthorizer& authorizer;
    AdminCallLog& log;
    metrics::RefusalCounter& refusals;  // flushed before stats, so they match the ledger file
    ca::CaOperations& ca;
    WorkerPool& workers;
    const Clock& clock;
  };
  explicit AdminService(Deps deps) : d_(deps) {}

  using Reactor = grpc::ServerUnaryReactor;
  using Context = grpc::CallbackServerContext;
  Reactor* ListCertificates(Context* c, const v1::ListCertificatesRequest* req,
                            v1::ListCertificatesResponse* resp) override;
  Reactor* GetCertificate(Context* c, const v1::GetCertificateRequest* req,
                          v1::Certificate* resp) override;
  Reactor* RevokeCertificates(Context* c, const v1::RevokeCertificatesRequest* req,
                              v1::RevokeCertificatesResponse* resp) override;
  Reactor* ListIdentities(Context* c, const v1::ListIdentitiesRequest* req,
                          v1::ListIdentitiesResponse* resp) override;
  Reactor* GetStats(Context* c, const v1::GetStatsRequest* req, v1::Stats* resp) override;
  Reactor* RunAudit(Context* c, const v1::RunAuditRequest* req, v1::AuditReport* resp) override;
  Reactor* GetTrustBundle(Context* c, const v1::GetTrustBundleRequest* req,
                          v1::TrustBundle* resp) override;
  Reactor* GetCaStatus(Context* c, const v1::GetCaStatusRequest* req, v1::CaStatus* resp) override;
  Reactor* RotateRoot(Context* c, const v1::RotateRootRequest* req, v1::CaStatus* resp) override;
  Reactor* RotateIntermediate(Context* c, const v1::RotateIntermediateRequest* req,
                              v1::CaStatus* resp) override;
  Reactor* Reissue(Context* c, const v1::ReissueRequest* req, v1::ReissueResponse* resp) override;

 private:
  // Fills the response; may leave a summary of what it did for the audit row.
  using Body = std::function<absl::Status(std::string& summary)>;
  Reactor* Serve(Context* context, const char* method, const google::protobuf::Message& request,
                 Body body);
  // Authorise and run; what the audit row records.
  absl::Status Run(const char* method, const auth::CallCredentials& credentials, const Body& body,
                   ledger::AdminCallRecord& call);

  Deps d_;
};

}  // namespace svidd::server
