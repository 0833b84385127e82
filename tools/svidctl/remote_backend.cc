// A running svidd's admin API as a Backend: svidd.v1.AdminService over TLS with the
// operator's client certificate. Requests and answers go through the same proto mappings the
// server uses (svidd/server/admin_proto.h), so they mean exactly what the local look means.
#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "svidctl/backend.h"
#include "svidd/api/admin_proto.h"
#include "svidd/common/atomic_file.h"
#include "svidd/common/server_address.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/v1/admin.grpc.pb.h"

namespace svidctl {
namespace {

namespace pb = ::svidd::v1;

absl::StatusOr<std::string> ReadFlagFile(const char* flag, const char* env,
                                         const std::string& path) {
  if (path.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--server needs ", flag, " (or ", env, ")"));
  }
  absl::StatusOr<std::string> text = svidd::ReadFileToString(path);
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        absl::StrCat(flag, " ", path, ": ", text.status().message()));
  }
  return text;
}

class RemoteBackend : public Backend {
 public:
  RemoteBackend(std::string server, std::shared_ptr<grpc::Channel> channel, int timeout_seconds)
      : server_(std::move(server)),
        stub_(pb::AdminService::NewStub(channel)),
        timeout_seconds_(timeout_seconds) {}

  absl::StatusOr<svidd::ledger::CertificatePage> ListCertificates(
      const svidd::ledger::CertificateFilter& filter) override {
    pb::ListCertificatesResponse response;
    SVIDD_RETURN_IF_ERROR(
        Call(&pb::AdminService::Stub::ListCertificates, svidd::api::ToProto(filter), &response));
    return svidd::api::FromProto(response);
  }
  absl::StatusOr<svidd::ledger::CertificateRecord> GetCertificate(
      std::string_view serial) override {
    pb::GetCertificateRequest request;
    request.set_serial(std::string(serial));
    pb::Certificate response;
    SVIDD_RETURN_IF_ERROR(Call(&pb::AdminService::Stub::GetCertificate, request, &response));
    return svidd::api::FromProto(response);
  }
  absl::StatusOr<svidd::ops::RevocationResult> Revoke(
      const svidd::ops::RevocationRequest& request) override {
    pb::RevokeCertificatesResponse response;
    SVIDD_RETURN_IF_ERROR(
        Call(&pb::AdminService::Stub::RevokeCertificates, svidd::api::ToProto(request), &response));
    return svidd::api::FromProto(response);
  }
  absl::StatusOr<std::vector<svidd::ledger::IdentitySummary>> ListIdentities(
      const svidd::ledger::IdentityFilter& filter) override {
    pb::ListIdentitiesResponse response;
    SVIDD_RETURN_IF_ERROR(
        Call(&pb::AdminService::Stub::ListIdentities, svidd::api::ToProto(filter), &response));
    return svidd::api::FromProto(response);
  }
  absl::StatusOr<svidd::ops::FleetStats> Stats(std::optional<svidd::TimePoint> at) override {
    pb::GetStatsRequest request;
    if (at) request.set_evaluated_at(svidd::ToUnixSeconds(*at));
    pb::Stats response;
    SVIDD_RETURN_IF_ERROR(Call(&pb::AdminService::Stub::GetStats, request, &response));
    return svidd::api::FromProto(response);
  }
  absl::StatusOr<svidd::ops::AuditReport> Audit(std::optional<svidd::TimePoint> at) override {
    pb::RunAuditRequest request;
    if (at) request.set_evaluated_at(svidd::ToUnixSeconds(*at));
    pb::AuditReport response;
    SVIDD_RETURN_IF_ERROR(Call(&pb::AdminService::Stub::RunAudit, request, &response));
    return svidd::api::FromProto(response);
  }
  absl::StatusOr<svidd::ops::TrustBundleRoots> TrustBundle() override {
    pb::TrustBundle response;
    SVIDD_RETURN_IF_ERROR(
        Call(&pb::AdminService::Stub::GetTrustBundle, pb::GetTrustBundleRequest(), &response));
    return svidd::api::FromProto(response);
  }

  absl::StatusOr<svidd::ops::CaManagerStatus> CaStatus() override {
    pb::CaStatus response;
    SVIDD_RETURN_IF_ERROR(
        Call(&pb::AdminService::Stub::GetCaStatus, pb::GetCaStatusRequest(), &response));
    return svidd::api::FromProto(response);
  }
  absl::StatusOr<svidd::ops::CaManagerStatus> RotateRoot() override {
    pb::CaStatus response;
    SVIDD_RETURN_IF_ERROR(
        Call(&pb::AdminService::Stub::RotateRoot, pb::RotateRootRequest(), &response));
    return svidd::api::FromProto(response);
  }
  absl::StatusOr<svidd::ops::CaManagerStatus> RotateIntermediate() override {
    pb::CaStatus response;
    SVIDD_RETURN_IF_ERROR(Call(&pb::AdminService::Stub::RotateIntermediate,
                               pb::RotateIntermediateRequest(), &response));
    return svidd::api::FromProto(response);
  }
  absl::StatusOr<uint64_t> Reissue(std::string_view issuer_serial) override {
    pb::ReissueRequest request;
    request.set_issuer_serial(std::string(issuer_serial));
    pb::ReissueResponse response;
    SVIDD_RETURN_IF_ERROR(Call(&pb::AdminService::Stub::Reissue, request, &response));
    return response.streams();
  }

 private:
  template <typename Request, typename Response>
  using Method = grpc::Status (pb::AdminService::Stub::*)(grpc::ClientContext*, const Request&,
                                                          Response*);

  // One unary call with a deadline; the server's status code and message, or why svidd
  // could not be reached.
  template <typename Request, typename Response>
  absl::Status Call(Method<Request, Response> method, const Request& request, Response* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(timeout_seconds_));
    grpc::Status status = ((*stub_).*method)(&context, request, response);
    if (status.ok()) return absl::OkStatus();
    const auto code = static_cast<absl::StatusCode>(status.error_code());
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
        status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      return absl::Status(
          code, absl::StrCat("cannot reach svidd at ", server_, ": ", status.error_message()));
    }
    return absl::Status(
        code, absl::StrCat("svidd at ", server_, ": ", absl::StatusCodeToString(code), ": ",
                           status.error_message()));
  }

  std::string server_;
  std::unique_ptr<pb::AdminService::Stub> stub_;
  int timeout_seconds_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Backend>> OpenRemoteBackend(const BackendOptions& o) {
  grpc::SslCredentialsOptions tls;
  SVIDD_ASSIGN_OR_RETURN(tls.pem_cert_chain, ReadFlagFile("--cert", "SVIDCTL_CERT", o.cert));
  SVIDD_ASSIGN_OR_RETURN(tls.pem_private_key, ReadFlagFile("--key", "SVIDCTL_KEY", o.key));
  SVIDD_ASSIGN_OR_RETURN(tls.pem_root_certs,
                         ReadFlagFile("--root-cert", "SVIDCTL_ROOT_CERT", o.root_cert));
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride(o.server_name.empty() ? svidd::DefaultTlsServerName(o.server)
                                                      : o.server_name);
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(o.server, grpc::SslCredentials(tls), args);
  return std::make_unique<RemoteBackend>(o.server, std::move(channel), o.timeout_seconds);
}

}  // namespace svidctl
