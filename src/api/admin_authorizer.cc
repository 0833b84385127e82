#include "svidd/api/admin_authorizer.h"

#include "absl/strings/str_cat.h"
#include "svidd/common/status_macros.h"

namespace svidd::api {

const std::map<std::string, AdminAuthorizer::Rule, std::less<>>& AdminAuthorizer::Rules() {
  static const auto* rules = new std::map<std::string, Rule, std::less<>>{
      {"ListCertificates", Rule::kAdmin},
      {"GetCertificate", Rule::kAdmin},
      {"RevokeCertificates", Rule::kAdmin},
      {"ListIdentities", Rule::kAdmin},
      {"GetStats", Rule::kAdmin},
      {"RunAudit", Rule::kAdmin},
      {"GetTrustBundle", Rule::kAdmin},
      {"GetCaStatus", Rule::kAdmin},
      {"RotateRoot", Rule::kAdmin},
      {"RotateIntermediate", Rule::kAdmin},
      {"Reissue", Rule::kAdmin},
  };
  return *rules;
}

AdminAuthorizer::AdminAuthorizer(std::set<std::string> admin_ids,
                                 const auth::Authenticator& authenticator,
                                 const pki::AuthorityHolder& authorities)
    : admin_ids_(std::move(admin_ids)), authenticator_(authenticator), authorities_(authorities) {}

// Only the certificate: a bearer token that came along is ignored, never a fallback.
absl::StatusOr<auth::CallerIdentity> AdminAuthorizer::Authenticate(
    const auth::CallCredentials& credentials) const {
  if (credentials.peer_cert_chain_pem.empty()) {
    return absl::UnauthenticatedError(
        "the admin API needs a client certificate (svidctl --cert/--key)");
  }
  std::shared_ptr<const pki::Authority> authority = authorities_.Get();
  if (authority == nullptr) return absl::UnavailableError("CA not ready: cannot check callers");
  auth::CallCredentials certificate_only;
  certificate_only.peer_cert_chain_pem = credentials.peer_cert_chain_pem;
  return authenticator_.Authenticate(certificate_only, *authority);
}

absl::StatusOr<auth::CallerIdentity> AdminAuthorizer::Authorize(
    std::string_view method, const auth::CallCredentials& credentials) const {
  SVIDD_ASSIGN_OR_RETURN(auth::CallerIdentity caller, Authenticate(credentials));
  SVIDD_RETURN_IF_ERROR(Permit(method, caller));
  return caller;
}

absl::Status AdminAuthorizer::Permit(std::string_view method,
                                     const auth::CallerIdentity& caller) const {
  auto rule = Rules().find(method);
  if (rule == Rules().end()) {
    return absl::PermissionDeniedError(
        absl::StrCat("admin method ", std::string(method), " has no authorisation rule"));
  }
  switch (rule->second) {
    case Rule::kAdmin:
      if (admin_ids_.count(caller.id.str()) > 0) return absl::OkStatus();
      return absl::PermissionDeniedError(
          absl::StrCat(caller.id.str(), " is not an admin of this svidd (--admin-id)"));
  }
  return absl::PermissionDeniedError("unknown authorisation rule");
}

}  // namespace svidd::api
