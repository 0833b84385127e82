// svidd-fuzz-seeds OUT_DIR: writes the generated seed corpora (OUT_DIR/corpus/<target>/) and
// the jwt and rotation fuzzers' fixed key material (OUT_DIR/data/): real CSRs from the test
// builders, real tokens from the test JWT support (issued at fuzzing::SeedTime(), valid a
// year), protobuf requests as clients serialise them. Run by hand, output committed:
//   build-asan/svidd-fuzz-seeds tests/fuzz
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "fuzz/fuzz_fixture.h"
#include "istio/v1/auth/ca.pb.h"
#include "spiffe/workload/workload.pb.h"
#include "support/jwt/test_jwt.h"
#include "support/pki/csr_builder.h"
#include "svidd/api/admin_proto.h"
#include "svidd/crypto/pem.h"
#include "svidd/pki/authority.h"
#include "svidd/pki/ca_material.h"
#include "svidd/spiffe/trust_bundle.h"
#include "svidd/v1/rotation.pb.h"

namespace {

namespace fs = std::filesystem;
using namespace svidd;
using namespace svidd::testing;

fs::path out;

void Write(const std::string& target, const std::string& name, const std::string& bytes) {
  fs::path dir = out / target;
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

void WriteMessage(const std::string& target, const std::string& name, char selector,
                  const google::protobuf::Message& message) {
  Write(target, name, std::string(1, selector) + message.SerializeAsString());
}

std::string Csr(const std::function<void(CsrSpec&)>& change) {
  CsrSpec spec;
  spec.uris = {"spiffe://cluster.local/ns/foo/sa/bar"};
  change(spec);
  return BuildCsr(spec).value().pem;
}

std::string PemToDer(const std::string& pem) {
  auto req = crypto::ParseCsrPem(pem).value();
  unsigned char* der = nullptr;
  int len = i2d_X509_REQ(req.get(), &der);
  std::string bytes(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return bytes;
}

void CsrSeeds() {
  const std::vector<std::pair<std::string, std::function<void(CsrSpec&)>>> csrs = {
      {"istio-ec-p256.pem", [](CsrSpec&) {}},
      {"ec-p384.pem", [](CsrSpec& s) { s.key_type = crypto::KeyType::kEcP384; }},
      {"rsa-2048.pem", [](CsrSpec& s) { s.key_type = crypto::KeyType::kRsa2048; }},
      {"ed25519.pem", [](CsrSpec& s) { s.key_type = crypto::KeyType::kEd25519; }},
      {"allowed-extensions.pem", [](CsrSpec& s) { s.request_allowed_extensions = true; }},
      {"asks-for-ca.pem", [](CsrSpec& s) { s.request_ca = true; }},
      {"dns-and-ip-sans.pem",
       [](CsrSpec& s) {
         s.dns = {"evil.example"};
         s.ips = {"10.0.0.1"};
       }},
      {"explicit-ec-parameters.pem", [](CsrSpec& s) { s.explicit_ec_params = true; }},
      {"sha1.pem", [](CsrSpec& s) { s.digest = "SHA1"; }},
      {"challenge-password.pem", [](CsrSpec& s) { s.challenge_password = true; }},
  };
  for (const auto& [name, change] : csrs) Write("csr", name, Csr(change));
  Write("csr", "istio-ec-p256.der", PemToDer(Csr([](CsrSpec&) {})));
  Write("csr", "rsa-2048.der",
        PemToDer(Csr([](CsrSpec& s) { s.key_type = crypto::KeyType::kRsa2048; })));
}

TokenSpec SeedToken() {
  TokenSpec spec;
  spec.issuer = fuzzing::kSeedIssuer;
  spec.ns = "foo";
  spec.sa = "bar";
  spec.iat = fuzzing::SeedTime();
  spec.ttl = std::chrono::hours(24 * 365);
  return spec;
}

void TokenSeeds() {
  TestSigningKey rsa = MakeRs256Key("rsa-1").value();
  TestSigningKey ec = MakeEs256Key("ec-1").value();
  const std::string jwks = JwksJson({&rsa, &ec});
  const fs::path data = out.parent_path() / "data";
  fs::create_directories(data);
  std::ofstream(data / "jwks.json") << jwks;
  std::ofstream(data / "token") << MintToken(ec, SeedToken()) << "\n";
  Write("jwks", "two-keys.json", jwks);
  Write("jwt", "es256.jwt", MintToken(ec, SeedToken()));
  Write("jwt", "rs256.jwt", MintToken(rsa, SeedToken()));
  TokenSpec other = SeedToken();
  other.aud_as_string = true;
  other.kubernetes_claim = false;
  Write("jwt", "aud-string-no-k8s-claim.jwt", MintToken(rsa, other));
  Write("jwt", "alg-none.jwt", MintUnsignedToken(SeedToken()));
  Write("jwt", "hs256.jwt", MintHs256Token("secret", SeedToken()));
}

void BundleSeeds() {
  auto ca = pki::BootstrapCa({}, fuzzing::SeedTime()).value();
  std::vector<const X509*> roots;
  for (const auto& root : ca.roots) roots.push_back(root.get());
  auto bundle = spiffe::TrustBundle::Create("cluster.local", roots, 7).value();
  Write("jwks", "spiffe-bundle.json", bundle.ToSpiffeJwks().value());
}

void SpiffeIdSeeds() {
  const std::vector<std::string> ids = {
      "spiffe://cluster.local/ns/foo/sa/bar", "spiffe://cluster.local",
      "spiffe://example.org/a/b/c",           "spiffe://td/ns/-a.b_c/sa/x",
      "spiffe://Cluster.Local/ns/foo/sa/bar", "spiffe://cluster.local/ns/foo/sa/bar/",
      "spiffe://cluster.local/ns/../sa/bar",  "spiffe://user@host:8080/ns/a/sa/b",
      "https://cluster.local/ns/foo/sa/bar"};
  for (size_t i = 0; i < ids.size(); ++i) Write("spiffe_id", "id-" + std::to_string(i), ids[i]);
}

void AdminSeeds() {
  ledger::CertificateFilter filter;
  filter.spiffe_id_prefix = "spiffe://cluster.local/ns/";
  filter.status = ledger::CertStatus::kRevoked;
  filter.limit = 10;
  WriteMessage("admin_request", "list-certificates", 0, api::ToProto(filter));
  v1::GetCertificateRequest get;
  get.set_serial("5A:3F:09");
  WriteMessage("admin_request", "get-certificate", 1, get);
  ops::RevocationRequest revoke;
  revoke.target = ops::RevocationRequest::Target::kSpiffeId;
  revoke.value = "spiffe://cluster.local/ns/foo/sa/bar";
  revoke.reason = "key compromise";
  WriteMessage("admin_request", "revoke", 2, api::ToProto(revoke));
  ledger::IdentityFilter identities;
  identities.istio_namespace = "foo";
  identities.limit = 5;
  WriteMessage("admin_request", "list-identities", 3, api::ToProto(identities));
  v1::GetStatsRequest stats;
  stats.set_evaluated_at(1767225600);
  WriteMessage("admin_request", "get-stats", 4, stats);
  v1::RunAuditRequest audit;
  audit.set_evaluated_at(1767225600);
  WriteMessage("admin_request", "run-audit", 5, audit);
  v1::ReissueRequest reissue;
  reissue.set_issuer_serial("0x5a3f09");
  WriteMessage("admin_request", "reissue", 6, reissue);
}

void RotationSeeds() {
  v1::RotateRequest rotate;
  rotate.mutable_csr()->set_csr(Csr([](CsrSpec&) {}));
  rotate.mutable_csr()->set_validity_seconds(3600);
  rotate.mutable_csr()->set_renewal_id(3);
  WriteMessage("rotation_request", "rotate-csr", 0, rotate);
  istio::v1::auth::IstioCertificateRequest istio;
  istio.set_csr(Csr([](CsrSpec& s) { s.key_type = crypto::KeyType::kRsa2048; }));
  istio.set_validity_duration(86400);
  WriteMessage("rotation_request", "istio-csr", 1, istio);
  (*istio.mutable_metadata()->mutable_fields())["ImpersonatedIdentity"].set_string_value(
      "spiffe://cluster.local/ns/foo/sa/victim");
  WriteMessage("rotation_request", "istio-impersonation", 1, istio);
}

void WorkloadApiSeeds() {
  // Selector: method = s % 5, header = (s / 5) % 3 (0 "true", 1 "false", 2 none).
  Write("workload_api", "fetch-x509-svid", std::string(1, '\0'));
  Write("workload_api", "fetch-x509-bundles", std::string(1, '\1'));
  Write("workload_api", "fetch-x509-svid-no-header", std::string(1, '\12'));
  JWTSVIDRequest jwt;
  jwt.add_audience("istio-ca");
  jwt.set_spiffe_id("spiffe://cluster.local/ns/foo/sa/bar");
  WriteMessage("workload_api", "fetch-jwt-svid", 2, jwt);
  ValidateJWTSVIDRequest validate;
  validate.set_audience("istio-ca");
  validate.set_svid("e30.e30.e30");
  WriteMessage("workload_api", "validate-jwt-svid", 4, validate);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: svidd-fuzz-seeds OUT_DIR (tests/fuzz)\n";
    return 2;
  }
  fs::path root = argv[1];
  out = root / "corpus";
  CsrSeeds();
  TokenSeeds();
  BundleSeeds();
  SpiffeIdSeeds();
  AdminSeeds();
  RotationSeeds();
  WorkloadApiSeeds();
  std::cout << "seeds written under " << out << "\n";
  return 0;
}
