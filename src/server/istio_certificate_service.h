// istio.v1.auth.IstioCertificateService on gRPC's callback API. The handler only unpacks the
// call (CSR, lifetime, bearer token, client certificate) and hands it to the issuance
// pipeline on a signing worker, so gRPC's threads never sign.
#pragma once

#include "istio/v1/auth/ca.grpc.pb.h"
#include "svidd/common/worker_pool.h"
#include "svidd/server/issuance_pipeline.h"
#include "svidd/server/refusal_counter.h"

namespace svidd {

class IstioCertificateService final
    : public istio::v1::auth::IstioCertificateService::CallbackService {
 public:
  // Every refusal is counted in `refusals` by its reason.
  IstioCertificateService(const IssuancePipeline& pipeline, WorkerPool& signers,
                          RefusalCounter& refusals)
      : pipeline_(pipeline), signers_(signers), refusals_(refusals) {}

  grpc::ServerUnaryReactor* CreateCertificate(
      grpc::CallbackServerContext* context,
      const istio::v1::auth::IstioCertificateRequest* request,
      istio::v1::auth::IstioCertificateResponse* response) override;

 private:
  const IssuancePipeline& pipeline_;
  WorkerPool& signers_;
  RefusalCounter& refusals_;
};

// What the caller sent besides the request message: `authorization` metadata and the
// client certificate chain from the TLS handshake.
CallCredentials CredentialsFromContext(const grpc::CallbackServerContext& context);

}  // namespace svidd
