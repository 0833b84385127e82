// istio.v1.auth.IstioCertificateService on gRPC's callback API. The handler only unpacks the
// call (CSR, lifetime, bearer token, client certificate) and hands it to the issuance
// pipeline on a signing worker, so gRPC's threads never sign.
#pragma once

#include "istio/v1/auth/ca.grpc.pb.h"
#include "server/audit_log.h"
#include "svidd/common/worker_pool.h"
#include "svidd/issuance/issuance_pipeline.h"
#include "svidd/metrics/refusal_counter.h"
#include "svidd/metrics/server_metrics.h"

namespace svidd::server {

class IstioCertificateService final
    : public istio::v1::auth::IstioCertificateService::CallbackService {
 public:
  // Every refusal is counted in `refusals` by its reason; every call in Istio's metrics
  // (ServerMetrics::RecordIstioCsr) and in the audit log. `max_csr_bytes` bounds the CSR
  // read for a refusal's claimed identity.
  IstioCertificateService(const issuance::IssuancePipeline& pipeline, WorkerPool& signers,
                          metrics::RefusalCounter& refusals, metrics::ServerMetrics& metrics,
                          AuditLog& audit, size_t max_csr_bytes)
      : pipeline_(pipeline),
        signers_(signers),
        refusals_(refusals),
        metrics_(metrics),
        audit_(audit),
        max_csr_bytes_(max_csr_bytes) {}

  grpc::ServerUnaryReactor* CreateCertificate(
      grpc::CallbackServerContext* context, const istio::v1::auth::IstioCertificateRequest* request,
      istio::v1::auth::IstioCertificateResponse* response) override;

 private:
  const issuance::IssuancePipeline& pipeline_;
  WorkerPool& signers_;
  metrics::RefusalCounter& refusals_;
  metrics::ServerMetrics& metrics_;
  AuditLog& audit_;
  const size_t max_csr_bytes_;
};

// The SPIFFE ID a CSR asks for, or "" if it does not parse: a refused caller's claim, for
// the audit log. Never the CSR itself.
std::string ClaimedIdentity(const std::string& csr_pem, size_t max_csr_bytes);

// What the caller sent besides the request message: `authorization` metadata and the
// client certificate chain from the TLS handshake.
auth::CallCredentials CredentialsFromContext(const grpc::CallbackServerContext& context);

}  // namespace svidd::server
