#include "svidd/spiffe/trust_bundle.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "spiffe/spiffe_bundle_jwks.h"
#include "svidd/common/status_macros.h"
#include "svidd/crypto/pem.h"
#include "svidd/spiffe/spiffe_id.h"
#include "yaml-cpp/yaml.h"

namespace svidd::spiffe {
namespace {

constexpr size_t kMaxLabelLength = 63;

// Kubernetes namespaces are DNS-1123 labels: [a-z0-9-], at most 63, alphanumeric at both ends.
absl::Status CheckNamespace(std::string_view ns) {
  auto alnum = [](char c) { return absl::ascii_islower(c) || absl::ascii_isdigit(c); };
  bool ok = !ns.empty() && ns.size() <= kMaxLabelLength && alnum(ns.front()) && alnum(ns.back());
  for (char c : ns) ok = ok && (alnum(c) || c == '-');
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("namespace \"", std::string(ns), "\" is not a DNS-1123 label"));
}

absl::StatusOr<std::string> ConfigMapYaml(const std::string& pem, std::string_view ns) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "apiVersion" << YAML::Value << "v1";
  out << YAML::Key << "kind" << YAML::Value << "ConfigMap";
  out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << TrustBundle::kConfigMapName;
  if (!ns.empty()) out << YAML::Key << "namespace" << YAML::Value << std::string(ns);
  out << YAML::Key << "labels" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "istio.io/config" << YAML::Value << YAML::DoubleQuoted << "true";
  out << YAML::EndMap << YAML::EndMap;
  out << YAML::Key << "data" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << TrustBundle::kConfigMapKey << YAML::Value << YAML::Literal << pem;
  out << YAML::EndMap << YAML::EndMap;
  if (!out.good()) return absl::InternalError("YAML emitter: " + out.GetLastError());
  return std::string(out.c_str()) + "\n";
}

std::string ConfigMapJson(const std::string& pem, std::string_view ns) {
  nlohmann::ordered_json metadata = {{"name", TrustBundle::kConfigMapName}};
  if (!ns.empty()) metadata["namespace"] = std::string(ns);
  metadata["labels"] = {{"istio.io/config", "true"}};
  nlohmann::ordered_json map = {{"apiVersion", "v1"},
                                {"kind", "ConfigMap"},
                                {"metadata", std::move(metadata)},
                                {"data", {{TrustBundle::kConfigMapKey, pem}}}};
  return map.dump(2) + "\n";  // ASCII only: PEM and validated names
}

}  // namespace

absl::StatusOr<TrustBundle> TrustBundle::Create(std::string_view trust_domain,
                                                const std::vector<const X509*>& roots,
                                                uint64_t sequence,
                                                std::chrono::seconds refresh_hint) {
  SVIDD_RETURN_IF_ERROR(SpiffeId::ValidateTrustDomain(trust_domain));
  if (refresh_hint.count() < 0) {
    return absl::InvalidArgumentError("bundle refresh hint must not be negative");
  }
  std::vector<crypto::X509Ptr> shared;
  for (const X509* root : roots) {
    crypto::X509Ptr copy = crypto::ShareCertificate(root);
    if (copy == nullptr) return absl::InvalidArgumentError("trust bundle root is null");
    shared.push_back(std::move(copy));
  }
  return TrustBundle(std::string(trust_domain), std::move(shared), sequence, refresh_hint);
}

absl::StatusOr<TrustBundle> TrustBundle::ParseSpiffeJwks(std::string_view trust_domain,
                                                         std::string_view json) {
  SVIDD_RETURN_IF_ERROR(SpiffeId::ValidateTrustDomain(trust_domain));
  SVIDD_ASSIGN_OR_RETURN(internal::SpiffeJwks parsed, internal::ParseSpiffeJwks(json));
  return TrustBundle(std::string(trust_domain), std::move(parsed.roots), parsed.sequence,
                     parsed.refresh_hint);
}

absl::StatusOr<std::string> TrustBundle::ToPem() const {
  std::vector<const X509*> roots;
  for (const crypto::X509Ptr& root : roots_) roots.push_back(root.get());
  return crypto::CertificatesToPem(roots);
}

absl::StatusOr<std::string> TrustBundle::ToSpiffeJwks() const {
  return internal::RenderSpiffeJwks(roots_, sequence_, refresh_hint_);
}

absl::StatusOr<std::string> TrustBundle::ToConfigMapYaml(std::string_view ns) const {
  if (!ns.empty()) SVIDD_RETURN_IF_ERROR(CheckNamespace(ns));
  SVIDD_ASSIGN_OR_RETURN(std::string pem, ToPem());
  return ConfigMapYaml(pem, ns);
}

absl::StatusOr<std::string> TrustBundle::ToConfigMapJson(std::string_view ns) const {
  if (!ns.empty()) SVIDD_RETURN_IF_ERROR(CheckNamespace(ns));
  SVIDD_ASSIGN_OR_RETURN(std::string pem, ToPem());
  return ConfigMapJson(pem, ns);
}

}  // namespace svidd::spiffe
