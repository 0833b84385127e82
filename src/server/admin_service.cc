#include "server/admin_service.h"

#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/istio_certificate_service.h"
#include "svidd/api/admin_proto.h"
#include "svidd/api/grpc_status.h"
#include "svidd/common/status_macros.h"
#include "svidd/operator/operator_input.h"

namespace svidd::server {
namespace {

// The request as one line of JSON. Admin requests carry no secrets (admin.proto says so).
std::string ArgumentsJson(const google::protobuf::Message& request) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(request, &json, options).ok()) return "{}";
  return json;
}

std::string Summary(const ops::RevocationResult& result) {
  std::vector<std::string> serials;
  for (const ledger::CertificateRecord& r : result.revoked) serials.push_back(r.serial_hex);
  return absl::StrCat("revoked ", result.revoked.size(), ": ", absl::StrJoin(serials, ","));
}

// The CA manager's status as operators see it.
absl::StatusOr<ops::CaManagerStatus> OperatorView(const ca::CaStatus& status) {
  ops::CaManagerStatus out;
  out.mode = ca::CaModeName(status.mode);
  out.root_phase = RootPhaseName(status.root_phase);
  SVIDD_ASSIGN_OR_RETURN(ops::CaSnapshot active, ops::CaSnapshotFromAuthority(*status.active));
  for (const ops::CaCertificateInfo& cert : active.certificates) {
    if (cert.role == ops::CaRole::kSigner) out.active = cert;
    if (cert.role == ops::CaRole::kRoot) out.roots.push_back(cert);
  }
  if (status.next != nullptr) {
    SVIDD_ASSIGN_OR_RETURN(ops::CaSnapshot next, ops::CaSnapshotFromAuthority(*status.next));
    out.next = next.certificates.front();
  }
  out.next_prepare_at = status.next_prepare_at;
  out.next_activate_at = status.next_activate_at;
  return out;
}

absl::StatusOr<v1::CaStatus> CaStatusToProto(const ca::CaStatus& status) {
  SVIDD_ASSIGN_OR_RETURN(ops::CaManagerStatus view, OperatorView(status));
  return api::ToProto(view);
}

}  // namespace

absl::Status AdminService::Run(const char* method, const auth::CallCredentials& credentials,
                               const Body& body, ledger::AdminCallRecord& call) {
  absl::StatusOr<auth::CallerIdentity> caller = d_.authorizer.Authenticate(credentials);
  if (!caller.ok()) {
    call.message = std::string(caller.status().message());
    return caller.status();
  }
  call.caller_id = caller->id.str();
  call.caller_principal = caller->principal;
  if (absl::Status permitted = d_.authorizer.Permit(method, *caller); !permitted.ok()) {
    call.message = std::string(permitted.message());
    return permitted;
  }
  std::string summary;
  absl::Status status = body(summary);
  call.message = status.ok() ? summary : std::string(status.message());
  return status;
}

AdminService::Reactor* AdminService::Serve(Context* context, const char* method,
                                           const google::protobuf::Message& request, Body body) {
  Reactor* reactor = context->DefaultReactor();
  ledger::AdminCallRecord call;
  call.method = method;
  call.peer = context->peer();
  call.arguments = ArgumentsJson(request);
  auth::CallCredentials credentials = CredentialsFromContext(*context);
  auto task = [this, reactor, method, credentials = std::move(credentials), call = std::move(call),
               body = std::move(body)]() mutable {
    call.at = d_.clock.Now();
    absl::Status status = Run(method, credentials, body, call);
    call.outcome = api::GrpcStatusCodeName(api::ToGrpcStatus(status).error_code());
    absl::Status logged = d_.log.Record(call, status);
    if (!logged.ok() && status.ok()) {
      status = absl::UnavailableError(absl::StrCat(
          method,
          " ran but could not be audit-logged, so its answer is withheld: ", logged.message()));
    }
    reactor->Finish(api::ToGrpcStatus(status));
  };
  absl::Status queued = d_.workers.Submit(std::move(task));
  // The queue's own refusal: RESOURCE_EXHAUSTED when full, UNAVAILABLE once svidd stops.
  if (!queued.ok()) reactor->Finish(api::ToGrpcStatus(queued));
  return reactor;
}

AdminService::Reactor* AdminService::ListCertificates(Context* c,
                                                      const v1::ListCertificatesRequest* req,
                                                      v1::ListCertificatesResponse* resp) {
  return Serve(c, "ListCertificates", *req, [this, req, resp](std::string&) -> absl::Status {
    SVIDD_ASSIGN_OR_RETURN(ledger::CertificateFilter filter, api::FromProto(*req));
    SVIDD_ASSIGN_OR_RETURN(ledger::CertificatePage page, d_.operations.ListCertificates(filter));
    *resp = api::ToProto(page);
    return absl::OkStatus();
  });
}

AdminService::Reactor* AdminService::GetCertificate(Context* c,
                                                    const v1::GetCertificateRequest* req,
                                                    v1::Certificate* resp) {
  return Serve(c, "GetCertificate", *req, [this, req, resp](std::string&) -> absl::Status {
    SVIDD_ASSIGN_OR_RETURN(ledger::CertificateRecord record,
                           d_.operations.GetCertificate(req->serial()));
    *resp = api::ToProto(record, /*with_pem=*/true);
    return absl::OkStatus();
  });
}

AdminService::Reactor* AdminService::RevokeCertificates(Context* c,
                                                        const v1::RevokeCertificatesRequest* req,
                                                        v1::RevokeCertificatesResponse* resp) {
  return Serve(
      c, "RevokeCertificates", *req, [this, req, resp](std::string& summary) -> absl::Status {
        SVIDD_ASSIGN_OR_RETURN(ops::RevocationRequest request, api::FromProto(*req));
        SVIDD_ASSIGN_OR_RETURN(ops::RevocationResult result, d_.operations.Revoke(request));
        summary = Summary(result);
        *resp = api::ToProto(result);
        return absl::OkStatus();
      });
}

AdminService::Reactor* AdminService::ListIdentities(Context* c,
                                                    const v1::ListIdentitiesRequest* req,
                                                    v1::ListIdentitiesResponse* resp) {
  return Serve(c, "ListIdentities", *req, [this, req, resp](std::string&) -> absl::Status {
    SVIDD_ASSIGN_OR_RETURN(ledger::IdentityFilter filter, api::FromProto(*req, d_.clock.Now()));
    SVIDD_ASSIGN_OR_RETURN(std::vector<ledger::IdentitySummary> ids,
                           d_.operations.ListIdentities(filter));
    *resp = api::ToProto(ids);
    return absl::OkStatus();
  });
}

AdminService::Reactor* AdminService::GetStats(Context* c, const v1::GetStatsRequest* req,
                                              v1::Stats* resp) {
  return Serve(c, "GetStats", *req, [this, req, resp](std::string&) -> absl::Status {
    SVIDD_RETURN_IF_ERROR(d_.refusals.Flush());
    SVIDD_ASSIGN_OR_RETURN(ops::FleetStats stats, d_.operations.Stats(api::EvaluatedAt(*req)));
    *resp = api::ToProto(stats);
    return absl::OkStatus();
  });
}

AdminService::Reactor* AdminService::RunAudit(Context* c, const v1::RunAuditRequest* req,
                                              v1::AuditReport* resp) {
  return Serve(c, "RunAudit", *req, [this, req, resp](std::string& summary) -> absl::Status {
    SVIDD_ASSIGN_OR_RETURN(ops::AuditReport report, d_.operations.Audit(api::EvaluatedAt(*req)));
    summary = absl::StrCat(report.Count(ops::AuditSeverity::kCritical), " critical, ",
                           report.Count(ops::AuditSeverity::kWarning), " warnings");
    *resp = api::ToProto(report);
    return absl::OkStatus();
  });
}

AdminService::Reactor* AdminService::GetTrustBundle(Context* c,
                                                    const v1::GetTrustBundleRequest* req,
                                                    v1::TrustBundle* resp) {
  return Serve(c, "GetTrustBundle", *req, [this, resp](std::string&) -> absl::Status {
    SVIDD_ASSIGN_OR_RETURN(ops::TrustBundleRoots bundle, d_.operations.TrustBundle());
    *resp = api::ToProto(bundle);
    return absl::OkStatus();
  });
}

AdminService::Reactor* AdminService::GetCaStatus(Context* c, const v1::GetCaStatusRequest* req,
                                                 v1::CaStatus* resp) {
  return Serve(c, "GetCaStatus", *req, [this, resp](std::string&) -> absl::Status {
    SVIDD_ASSIGN_OR_RETURN(*resp, CaStatusToProto(d_.ca.Status()));
    return absl::OkStatus();
  });
}

AdminService::Reactor* AdminService::RotateRoot(Context* c, const v1::RotateRootRequest* req,
                                                v1::CaStatus* resp) {
  return Serve(c, "RotateRoot", *req, [this, resp](std::string& summary) -> absl::Status {
    SVIDD_RETURN_IF_ERROR(d_.ca.RotateRoot());
    SVIDD_ASSIGN_OR_RETURN(*resp, CaStatusToProto(d_.ca.Status()));
    summary = absl::StrCat("root rotation started; phase ", resp->root_phase());
    return absl::OkStatus();
  });
}

AdminService::Reactor* AdminService::RotateIntermediate(Context* c,
                                                        const v1::RotateIntermediateRequest* req,
                                                        v1::CaStatus* resp) {
  return Serve(c, "RotateIntermediate", *req, [this, resp](std::string& summary) -> absl::Status {
    SVIDD_RETURN_IF_ERROR(d_.ca.RotateIntermediate());
    SVIDD_ASSIGN_OR_RETURN(*resp, CaStatusToProto(d_.ca.Status()));
    summary = absl::StrCat("intermediate ", resp->active().serial(), " signs now");
    return absl::OkStatus();
  });
}

AdminService::Reactor* AdminService::Reissue(Context* c, const v1::ReissueRequest* req,
                                             v1::ReissueResponse* resp) {
  return Serve(c, "Reissue", *req, [this, req, resp](std::string& summary) -> absl::Status {
    SVIDD_ASSIGN_OR_RETURN(std::string issuer,
                           ops::ParseOperatorSerial(req->issuer_serial(), "issuer serial"));
    SVIDD_ASSIGN_OR_RETURN(size_t streams, d_.ca.Reissue(issuer));
    resp->set_streams(streams);
    summary = absl::StrCat(streams, " stream(s) asked to renew");
    return absl::OkStatus();
  });
}

}  // namespace svidd::server
