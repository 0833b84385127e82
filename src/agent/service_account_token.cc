#include "svidd/agent/service_account_token.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "nlohmann/json.hpp"
#include "svidd/common/atomic_file.h"
#include "svidd/common/base64url.h"
#include "svidd/common/status_macros.h"

namespace svidd::agent {
namespace {

using json = nlohmann::json;

constexpr std::string_view kSubjectPrefix = "system:serviceaccount:";

absl::StatusOr<json> DecodePayload(std::string_view token) {
  const size_t first = token.find('.');
  const size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return absl::InvalidArgumentError("the token is not a JWT (expected 3 dot-separated parts)");
  }
  auto bytes = Base64UrlDecode(token.substr(first + 1, second - first - 1));
  if (!bytes.ok()) return absl::InvalidArgumentError("the token payload is not base64url");
  json payload = json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (payload.is_discarded() || !payload.is_object()) {
    return absl::InvalidArgumentError("the token payload is not a JSON object");
  }
  return payload;
}

std::string StringAt(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// From kubernetes.io: {namespace, serviceaccount: {name}}; empty strings if absent.
std::pair<std::string, std::string> FromKubernetesClaim(const json& payload) {
  auto k8s = payload.find("kubernetes.io");
  if (k8s == payload.end() || !k8s->is_object()) return {};
  auto sa = k8s->find("serviceaccount");
  if (sa == k8s->end() || !sa->is_object()) return {};
  return {StringAt(*k8s, "namespace"), StringAt(*sa, "name")};
}

// From sub: system:serviceaccount:<ns>:<sa>.
std::pair<std::string, std::string> FromSubject(const json& payload) {
  const std::string sub = StringAt(payload, "sub");
  if (sub.rfind(kSubjectPrefix, 0) != 0) return {};
  const std::string rest = sub.substr(kSubjectPrefix.size());
  const size_t colon = rest.find(':');
  if (colon == std::string::npos || rest.find(':', colon + 1) != std::string::npos) return {};
  return {rest.substr(0, colon), rest.substr(colon + 1)};
}

}  // namespace

absl::StatusOr<std::string> ReadServiceAccountToken(const std::filesystem::path& path) {
  SVIDD_ASSIGN_OR_RETURN(std::string token, ReadFileToString(path));
  absl::StripAsciiWhitespace(&token);
  if (token.empty()) {
    return absl::InvalidArgumentError("token file " + path.string() + " is empty");
  }
  return token;
}

absl::StatusOr<spiffe::SpiffeId> SpiffeIdFromToken(std::string_view token,
                                                   std::string_view trust_domain) {
  SVIDD_ASSIGN_OR_RETURN(json payload, DecodePayload(token));
  auto [ns, sa] = FromKubernetesClaim(payload);
  if (ns.empty() || sa.empty()) std::tie(ns, sa) = FromSubject(payload);
  if (ns.empty() || sa.empty()) {
    return absl::InvalidArgumentError(
        "the token names no namespace and service account (no kubernetes.io claim and no sub "
        "system:serviceaccount:<ns>:<sa>); pass --spiffe-id");
  }
  return spiffe::SpiffeId::ForServiceAccount(trust_domain, ns, sa);
}

}  // namespace svidd::agent
