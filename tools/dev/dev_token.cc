// svidd-dev-token: a Kubernetes-shaped service-account token and the JWKS that verifies it,
// for trying svidd and svid-agent without a cluster. Never for production: the signing key
// is thrown away, and the token's issuer is whatever you pass.
#include <iostream>

#include "CLI/CLI.hpp"
#include "support/jwt/test_jwt.h"
#include "svidd/common/atomic_file.h"
#include "svidd/common/time_format.h"

int main(int argc, char** argv) {
  CLI::App app{
      "svidd-dev-token: a service-account token + JWKS for trying svidd without Kubernetes"};
  std::string out_dir = "var/dev", ns = "demo", sa = "web", issuer = "https://dev.svidd.local";
  std::string ttl = "24h";
  app.add_option("--out-dir", out_dir, "Writes jwks.json and token here")->capture_default_str();
  app.add_option("--namespace", ns, "The token's namespace")->capture_default_str();
  app.add_option("--service-account", sa, "The token's service account")->capture_default_str();
  app.add_option("--issuer", issuer, "The token's iss (svidd's --jwt-issuer)")
      ->capture_default_str();
  app.add_option("--ttl", ttl, "How long the token is valid")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  auto lifetime = svidd::ParseDuration(ttl);
  auto key = svidd::testing::MakeEs256Key("dev");
  if (!lifetime.ok() || !key.ok()) {
    std::cerr << "svidd-dev-token: bad --ttl or no key\n";
    return 2;
  }
  svidd::testing::TokenSpec spec;
  spec.issuer = issuer;
  spec.ns = ns;
  spec.sa = sa;
  spec.iat = svidd::SystemClock::Instance().Now();
  spec.ttl = *lifetime;
  const std::filesystem::path dir = out_dir;
  if (!svidd::EnsureDirectory(dir, 0700).ok() ||
      !svidd::WriteFileAtomically(dir / "jwks.json", svidd::testing::JwksJson({&*key})).ok() ||
      !svidd::WriteFileAtomically(dir / "token", svidd::testing::MintToken(*key, spec), 0600)
           .ok()) {
    std::cerr << "svidd-dev-token: cannot write to " << out_dir << "\n";
    return 1;
  }
  std::cout << "wrote " << (dir / "jwks.json").string() << " and " << (dir / "token").string()
            << " (spiffe://<td>/ns/" << ns << "/sa/" << sa << ", iss " << issuer << ")\n";
  return 0;
}
