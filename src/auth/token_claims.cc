#include "auth/token_claims.h"

#include <cmath>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "svidd/common/refusal.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"

namespace svidd::auth {
namespace {

using json = nlohmann::json;

constexpr std::string_view kSubjectPrefix = "system:serviceaccount:";
// NumericDates beyond this (year ~2255) cannot be held in a nanosecond time_point.
constexpr double kMaxNumericDate = 9e9;

// A bearer token refused for no more specific reason. Refuse(Refusal, ...) with a reason is
// svidd::Refuse itself (found by argument-dependent lookup).
absl::Status Refuse(std::string_view what) { return svidd::Refuse(Refusal::kToken, what); }

// Claim values quoted in messages are cut short: they come from the caller.
std::string Quote(const std::string& value) {
  constexpr size_t kMax = 80;
  return absl::StrCat("\"", value.substr(0, kMax), value.size() > kMax ? "...\"" : "\"");
}

absl::StatusOr<std::optional<std::string>> StringClaim(const json& payload, const char* name) {
  auto it = payload.find(name);
  if (it == payload.end()) return std::optional<std::string>();
  if (!it->is_string()) return Refuse(absl::StrCat("token claim \"", name, "\" is not a string"));
  return std::optional<std::string>(it->get<std::string>());
}

// A NumericDate claim (seconds since the epoch, possibly fractional), nullopt if absent.
absl::StatusOr<std::optional<TimePoint>> DateClaim(const json& payload, const char* name) {
  auto it = payload.find(name);
  if (it == payload.end()) return std::optional<TimePoint>();
  double seconds = it->is_number() ? it->get<double>() : -1;
  if (!std::isfinite(seconds) || seconds < 0 || seconds > kMaxNumericDate) {
    return Refuse(absl::StrCat("token claim \"", name, "\" is not a valid NumericDate"));
  }
  auto since_epoch =
      std::chrono::duration_cast<TimePoint::duration>(std::chrono::duration<double>(seconds));
  return std::optional<TimePoint>(TimePoint(since_epoch));
}

absl::Status CheckAudience(const json& payload, const std::string& audience) {
  auto it = payload.find("aud");
  if (it == payload.end()) return Refuse("token has no \"aud\" claim");
  bool found = false;
  if (it->is_string()) {
    found = it->get<std::string>() == audience;
  } else if (it->is_array()) {
    for (const json& entry : *it) {
      if (!entry.is_string()) return Refuse("token claim \"aud\" holds a non-string");
      found = found || entry.get<std::string>() == audience;
    }
  } else {
    return Refuse("token claim \"aud\" is neither a string nor an array");
  }
  if (!found)
    return Refuse(Refusal::kTokenAudience,
                  absl::StrCat("token audience does not include ", Quote(audience)));
  return absl::OkStatus();
}

absl::Status CheckTimes(const json& payload, const TokenClaimRules& rules, TimePoint& expiry) {
  SVIDD_ASSIGN_OR_RETURN(auto exp, DateClaim(payload, "exp"));
  SVIDD_ASSIGN_OR_RETURN(auto nbf, DateClaim(payload, "nbf"));
  SVIDD_ASSIGN_OR_RETURN(auto iat, DateClaim(payload, "iat"));
  if (!exp.has_value()) return Refuse("token has no \"exp\" claim");
  if (*exp <= rules.now - rules.leeway) {
    return Refuse(Refusal::kExpiredToken, absl::StrCat("token expired at ", FormatRfc3339(*exp)));
  }
  if (nbf.has_value() && *nbf > rules.now + rules.leeway) {
    return Refuse(Refusal::kTokenNotYetValid,
                  absl::StrCat("token is not yet valid (nbf ", FormatRfc3339(*nbf), ")"));
  }
  if (iat.has_value() && *iat > rules.now + rules.leeway) {
    return Refuse(Refusal::kTokenNotYetValid,
                  absl::StrCat("token issued in the future (iat ", FormatRfc3339(*iat), ")"));
  }
  expiry = *exp;
  return absl::OkStatus();
}

// An RFC 1123 label as Kubernetes checks it (IsDNS1123Label), without the length limit:
// lowercase letters, digits and '-', starting and ending with a letter or digit.
bool IsDnsLabel(std::string_view text) {
  if (text.empty() || text.front() == '-' || text.back() == '-') return false;
  for (char c : text) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

// Kubernetes names: a namespace is a DNS label (at most 63 characters), a service account a
// DNS subdomain (labels joined by '.', at most 253). Anything else did not come from a real
// API server, and would name an identity no Kubernetes object can hold.
absl::Status CheckKubernetesName(const char* what, const std::string& name, bool subdomain) {
  const size_t max = subdomain ? 253 : 63;
  const char* rule = subdomain ? "DNS subdomain: lowercase RFC 1123 labels joined by '.'"
                               : "RFC 1123 label: lowercase letters, digits and '-', starting "
                                 "and ending with a letter or digit";
  if (name.size() > max) {
    return Refuse(absl::StrCat("token ", what, " ", Quote(name), " is ", name.size(),
                               " characters; a Kubernetes ", what, " has at most ", max));
  }
  bool valid = subdomain ? !name.empty() : IsDnsLabel(name);
  if (subdomain) {
    for (absl::string_view label : absl::StrSplit(name, '.')) {
      valid = valid && IsDnsLabel(std::string_view(label.data(), label.size()));
    }
  }
  if (!valid) {
    return Refuse(absl::StrCat("token ", what, " ", Quote(name), " is not a Kubernetes name (",
                               rule, ", at most ", max, " characters)"));
  }
  return absl::OkStatus();
}

// sub = system:serviceaccount:<ns>:<sa>, both parts non-empty and without ':'.
absl::Status SplitSubject(const std::string& subject, KubernetesTokenClaims& claims) {
  std::string_view rest(subject);
  size_t colon = std::string_view::npos;
  if (rest.substr(0, kSubjectPrefix.size()) == kSubjectPrefix) {
    rest.remove_prefix(kSubjectPrefix.size());
    colon = rest.find(':');
  }
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == rest.size() ||
      rest.find(':', colon + 1) != std::string_view::npos) {
    return Refuse(absl::StrCat("token subject ", Quote(subject),
                               " is not a service account (system:serviceaccount:<ns>:<sa>)"));
  }
  claims.namespace_name = std::string(rest.substr(0, colon));
  claims.service_account = std::string(rest.substr(colon + 1));
  SVIDD_RETURN_IF_ERROR(CheckKubernetesName("namespace", claims.namespace_name, false));
  return CheckKubernetesName("service account", claims.service_account, true);
}

const json* Member(const json& object, const char* name) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

// The kubernetes.io object, when present, must name the subject's namespace and account.
absl::Status CheckKubernetesClaim(const json& payload, const KubernetesTokenClaims& claims) {
  const json* k8s = Member(payload, "kubernetes.io");
  if (k8s == nullptr) return absl::OkStatus();
  if (!k8s->is_object()) return Refuse("token claim \"kubernetes.io\" is not an object");
  const json* ns = Member(*k8s, "namespace");
  const json* sa = Member(*k8s, "serviceaccount");
  const json* sa_name = sa == nullptr ? nullptr : Member(*sa, "name");
  if (ns == nullptr || !ns->is_string() || *ns != claims.namespace_name) {
    return Refuse("token claim kubernetes.io.namespace disagrees with the subject");
  }
  if (sa_name == nullptr || !sa_name->is_string() || *sa_name != claims.service_account) {
    return Refuse("token claim kubernetes.io.serviceaccount.name disagrees with the subject");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<KubernetesTokenClaims> CheckTokenClaims(const json& payload,
                                                       const TokenClaimRules& rules) {
  KubernetesTokenClaims claims;
  SVIDD_ASSIGN_OR_RETURN(auto iss, StringClaim(payload, "iss"));
  if (!iss.has_value()) return Refuse("token has no \"iss\" claim");
  if (*iss != rules.issuer) {
    return Refuse(Refusal::kTokenIssuer,
                  absl::StrCat("token issuer ", Quote(*iss), " is not the trusted issuer ",
                               Quote(rules.issuer)));
  }
  claims.issuer = *iss;
  SVIDD_RETURN_IF_ERROR(CheckAudience(payload, rules.audience));
  SVIDD_RETURN_IF_ERROR(CheckTimes(payload, rules, claims.expiry));
  SVIDD_ASSIGN_OR_RETURN(auto sub, StringClaim(payload, "sub"));
  if (!sub.has_value()) return Refuse("token has no \"sub\" claim");
  claims.subject = *sub;
  SVIDD_RETURN_IF_ERROR(SplitSubject(claims.subject, claims));
  SVIDD_RETURN_IF_ERROR(CheckKubernetesClaim(payload, claims));
  return claims;
}

}  // namespace svidd::auth
