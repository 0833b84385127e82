#include "svidd/auth/identity_policy.h"

#include "absl/strings/str_cat.h"
#include "svidd/common/refusal.h"

namespace svidd::auth {

absl::Status AuthorizeIdentity(const CallerIdentity& caller, const spiffe::SpiffeId& requested) {
  if (requested == caller.id) return absl::OkStatus();
  return Refuse(Refusal::kIdentity,
                absl::StrCat("caller ", caller.id.str(), " (", AuthMethodName(caller.method), " ",
                             caller.principal, ") may not be issued ", requested.str(),
                             ": only its own identity"));
}

}  // namespace svidd::auth
