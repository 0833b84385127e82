// Who may call the admin API: authorisation at the edge, failing closed (SPIRE's
// middleware). Every method names a rule in one table; a method without a rule is denied.
// Callers are identified by their TLS client certificate only, checked by the Authenticator
// against the active CA (chain, validity at the clock's time, revocation in the ledger).
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "svidd/auth/authenticator.h"
#include "svidd/pki/authority_holder.h"

namespace svidd::api {

class AdminAuthorizer {
 public:
  enum class Rule {
    kAdmin,  // the caller's SPIFFE ID is one of --admin-id
  };
  // Method name (as in admin.proto, e.g. "RevokeCertificates") → rule.
  static const std::map<std::string, Rule, std::less<>>& Rules();

  // `authenticator` and `authorities` must outlive the authorizer.
  AdminAuthorizer(std::set<std::string> admin_ids, const auth::Authenticator& authenticator,
                  const pki::AuthorityHolder& authorities);

  // UNAUTHENTICATED without a client certificate or with one that does not authenticate;
  // PERMISSION_DENIED when the method has no rule or the caller does not satisfy it;
  // UNAVAILABLE with no CA to check against.
  absl::StatusOr<auth::CallerIdentity> Authorize(std::string_view method,
                                                 const auth::CallCredentials& credentials) const;
  // The two halves, so a refused caller can still be named in the audit log.
  absl::StatusOr<auth::CallerIdentity> Authenticate(const auth::CallCredentials& credentials) const;
  absl::Status Permit(std::string_view method, const auth::CallerIdentity& caller) const;

 private:
  const std::set<std::string> admin_ids_;
  const auth::Authenticator& authenticator_;
  const pki::AuthorityHolder& authorities_;
};

}  // namespace svidd::api
