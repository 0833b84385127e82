// `svidctl bundle`: the trust bundle in the form the consumer wants.
#include "absl/strings/str_cat.h"
#include "svidctl/view_commands.h"
#include "svidd/common/status_macros.h"
#include "svidd/crypto/pem.h"
#include "svidd/spiffe/trust_bundle.h"

namespace svidctl {
namespace {

absl::StatusOr<std::string> Render(const svidd::ops::TrustBundleRoots& roots,
                                   const ViewOptions& o) {
  if (o.format == "pem") return roots.roots_pem;
  SVIDD_ASSIGN_OR_RETURN(std::vector<svidd::crypto::X509Ptr> certs,
                         svidd::crypto::ParseCertificatesPem(roots.roots_pem));
  std::vector<const X509*> raw;
  for (const svidd::crypto::X509Ptr& cert : certs) raw.push_back(cert.get());
  if (roots.trust_domain.empty()) {
    return absl::FailedPreconditionError(
        "the CA certificate names no spiffe://<trust-domain>, so the bundle's trust domain is "
        "unknown; use --format pem");
  }
  SVIDD_ASSIGN_OR_RETURN(
      svidd::spiffe::TrustBundle bundle,
      svidd::spiffe::TrustBundle::Create(roots.trust_domain, raw, roots.sequence));
  if (o.format == "jwks") return bundle.ToSpiffeJwks();
  if (o.format == "configmap-json") return bundle.ToConfigMapJson(o.configmap_namespace);
  return bundle.ToConfigMapYaml(o.configmap_namespace);
}

}  // namespace

void AddBundleCommand(CLI::App& app, ViewOptions& o, CommandContext& context) {
  CLI::App* bundle = app.add_subcommand(
      "bundle",
      "Print the trust bundle: PEM (root-cert.pem), a SPIFFE bundle (JWKS with "
      "spiffe_sequence), or the Kubernetes ConfigMap istio-ca-root-cert (YAML or JSON)");
  o.format = "pem";
  bundle->add_option("--format,-f", o.format, "pem, jwks, configmap or configmap-json")
      ->check(CLI::IsMember({"pem", "jwks", "configmap", "configmap-json"}))
      ->capture_default_str();
  bundle->add_option("--namespace,-n", o.configmap_namespace,
                     "The ConfigMap's metadata.namespace (configmap formats)");
  context.OnRun(bundle, [&o, &context](Backend& backend) -> absl::Status {
    SVIDD_ASSIGN_OR_RETURN(svidd::ops::TrustBundleRoots roots, backend.TrustBundle());
    SVIDD_ASSIGN_OR_RETURN(std::string text, Render(roots, o));
    context.out << text;
    return absl::OkStatus();
  });
}

}  // namespace svidctl
