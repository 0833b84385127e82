// Every refusal the API promises, with its gRPC status code and a message that says what was
// wrong; and the server keeps issuing afterwards.
#include <gtest/gtest.h>
#include <httplib.h>

#include "integration/test_env.h"
#include "support/metrics/prometheus_text.h"
#include "support/pki/csr_builder.h"
#include "svidd/pki/ca_material.h"

namespace svidd::testing {
namespace {

struct RefusalCase {
  std::string name;
  std::function<std::string(const TestEnv&)> token;  // "" = none
  std::function<std::string()> csr;
  grpc::StatusCode code;
  std::string message_fragment;
  // svidd_requests_refused_total's label (and the ledger's refusal table's reason) for it;
  // "" for a refusal gRPC makes before svidd sees the call.
  std::string reason;
};

std::string GoodCsr() { return BuildIstioCsr(kFooId).value().pem; }

std::string CsrWith(const std::function<void(CsrSpec&)>& change) {
  CsrSpec spec;
  spec.uris = {kFooId};
  change(spec);
  return BuildCsr(spec).value().pem;
}

std::function<std::string(const TestEnv&)> TokenWith(
    const std::function<void(TokenSpec&)>& change) {
  return [change](const TestEnv& env) {
    TokenSpec spec;
    spec.issuer = kTestIssuer;
    spec.ns = "foo";
    spec.sa = "bar";
    spec.iat = const_cast<TestEnv&>(env).clock().Now();
    change(spec);
    return MintToken(env.signing_key(), spec);
  };
}

auto GoodToken() {
  return TokenWith([](TokenSpec&) {});
}

std::vector<RefusalCase> Cases() {
  using grpc::StatusCode;
  return {
      {"NoCredentials", [](const TestEnv&) { return std::string(); }, GoodCsr,
       StatusCode::UNAUTHENTICATED, "no credentials", "unauthenticated/no-credentials"},
      {"GarbageToken", [](const TestEnv&) { return std::string("not-a-jwt"); }, GoodCsr,
       StatusCode::UNAUTHENTICATED, "", "unauthenticated/token"},
      {"ExpiredToken", TokenWith([](TokenSpec& s) { s.iat -= std::chrono::hours(3); }), GoodCsr,
       StatusCode::UNAUTHENTICATED, "expired", "unauthenticated/expired-token"},
      {"WrongAudience", TokenWith([](TokenSpec& s) { s.audiences = {"kubernetes"}; }), GoodCsr,
       StatusCode::UNAUTHENTICATED, "audience", "unauthenticated/token-audience"},
      {"WrongIssuer", TokenWith([](TokenSpec& s) { s.issuer = "https://evil.example"; }), GoodCsr,
       StatusCode::UNAUTHENTICATED, "issuer", "unauthenticated/token-issuer"},
      {"AlgNone",
       [](const TestEnv& env) {
         TokenSpec s;
         s.issuer = kTestIssuer;
         s.ns = "foo";
         s.sa = "bar";
         s.iat = const_cast<TestEnv&>(env).clock().Now();
         return MintUnsignedToken(s);
       },
       GoodCsr, StatusCode::UNAUTHENTICATED, "none", "unauthenticated/token-algorithm"},
      {"ForgedSignature",
       [](const TestEnv& env) {
         auto forger = MakeRs256Key(env.signing_key().kid).value();  // same kid, other key
         TokenSpec s;
         s.issuer = kTestIssuer;
         s.ns = "foo";
         s.sa = "bar";
         s.iat = const_cast<TestEnv&>(env).clock().Now();
         return MintToken(forger, s);
       },
       GoodCsr, StatusCode::UNAUTHENTICATED, "signature", "unauthenticated/token-signature"},
      // Kubernetes names: a namespace is an RFC 1123 label, a service account a DNS subdomain.
      {"UppercaseNamespace", TokenWith([](TokenSpec& s) { s.ns = "Foo"; }), GoodCsr,
       StatusCode::UNAUTHENTICATED, "namespace \"Foo\" is not a Kubernetes name",
       "unauthenticated/token"},
      {"NamespaceOver63", TokenWith([](TokenSpec& s) { s.ns = std::string(64, 'a'); }), GoodCsr,
       StatusCode::UNAUTHENTICATED, "64 characters", "unauthenticated/token"},
      {"NamespaceWithDot", TokenWith([](TokenSpec& s) { s.ns = "foo.bar"; }), GoodCsr,
       StatusCode::UNAUTHENTICATED, "not a Kubernetes name (RFC 1123 label",
       "unauthenticated/token"},
      {"UppercaseServiceAccount", TokenWith([](TokenSpec& s) { s.sa = "Bar"; }), GoodCsr,
       StatusCode::UNAUTHENTICATED, "service account \"Bar\" is not a Kubernetes name",
       "unauthenticated/token"},
      {"ServiceAccountOver253", TokenWith([](TokenSpec& s) { s.sa = std::string(254, 'b'); }),
       GoodCsr, StatusCode::UNAUTHENTICATED, "254 characters", "unauthenticated/token"},
      {"ServiceAccountStartsWithDash", TokenWith([](TokenSpec& s) { s.sa = "-bar"; }), GoodCsr,
       StatusCode::UNAUTHENTICATED, "DNS subdomain", "unauthenticated/token"},
      {"IdentityMismatch", TokenWith([](TokenSpec& s) { s.ns = "other"; }), GoodCsr,
       StatusCode::PERMISSION_DENIED, "spiffe://cluster.local/ns/other/sa/bar",
       "permission-denied/identity"},
      {"CsrWithDnsSan", GoodToken(),
       [] { return CsrWith([](CsrSpec& s) { s.dns = {"evil.com"}; }); },
       StatusCode::INVALID_ARGUMENT, "DNS", "invalid-argument/csr"},
      {"CsrWithTwoUris", GoodToken(),
       [] {
         return CsrWith([](CsrSpec& s) { s.uris.push_back("spiffe://cluster.local/ns/x/sa/y"); });
       },
       StatusCode::INVALID_ARGUMENT, "URI", "invalid-argument/csr"},
      {"CsrAsksForCa", GoodToken(), [] { return CsrWith([](CsrSpec& s) { s.request_ca = true; }); },
       StatusCode::INVALID_ARGUMENT, "cA=true", "invalid-argument/csr"},
      {"CsrBadSignature", GoodToken(),
       [] { return CsrWith([](CsrSpec& s) { s.corrupt_signature = true; }); },
       StatusCode::INVALID_ARGUMENT, "signature", "invalid-argument/csr"},
      {"CsrWeakRsa", GoodToken(),
       [] {
         return CsrWith([](CsrSpec& s) {
           s.key_type = crypto::KeyType::kRsa2048;
           s.rsa_bits = 1024;
         });
       },
       StatusCode::INVALID_ARGUMENT, "1024", "invalid-argument/csr"},
      {"CsrExplicitEcParameters", GoodToken(),
       [] { return CsrWith([](CsrSpec& s) { s.explicit_ec_params = true; }); },
       StatusCode::INVALID_ARGUMENT, "explicit curve parameters", "invalid-argument/csr"},
      {"CsrSignedWithSha1", GoodToken(),
       [] { return CsrWith([](CsrSpec& s) { s.digest = "SHA1"; }); }, StatusCode::INVALID_ARGUMENT,
       "signature digest SHA1 is too weak", "invalid-argument/csr"},
      {"CsrSignedWithMd5", GoodToken(),
       [] {
         return CsrWith([](CsrSpec& s) {
           s.key_type = crypto::KeyType::kRsa2048;
           s.digest = "MD5";
         });
       },
       StatusCode::INVALID_ARGUMENT, "signature digest MD5 is too weak", "invalid-argument/csr"},
      {"NotACsr", GoodToken(), [] { return std::string("hello"); }, StatusCode::INVALID_ARGUMENT,
       "CSR", "invalid-argument/csr"},
      {"CsrOverCsrLimit", GoodToken(), [] { return GoodCsr() + std::string(40 * 1024, 'A'); },
       StatusCode::INVALID_ARGUMENT, "bytes", "invalid-argument/csr"},
      {"FourMebibyteMessage", GoodToken(), [] { return std::string(4 * 1024 * 1024, 'A'); },
       StatusCode::RESOURCE_EXHAUSTED, "", ""},
  };
}

PrometheusText ScrapeRefusals(TestEnv& env) {
  httplib::Client client("127.0.0.1", env.server().metrics_port());
  client.set_connection_timeout(std::chrono::seconds(5));
  httplib::Result res = client.Get("/metrics");
  EXPECT_TRUE(res) << httplib::to_string(res.error());
  if (!res) return PrometheusText();
  auto parsed = PrometheusText::Parse(res->body);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *std::move(parsed) : PrometheusText();
}

double RefusedWith(TestEnv& env, const std::string& reason) {
  return ScrapeRefusals(env)
      .Value("svidd_requests_refused_total", {{"reason", reason}})
      .value_or(0);
}

// Each refusal's code and message, and the reason it is counted under: the reason is fixed
// where the refusal is made, so losing it on the way (or changing the code) fails here.
TEST(RefusalTest, EachRefusalHasItsCodeAndSaysWhy) {
  auto env = TestEnv::Start([](server::ServerOptions& o) { o.metrics_listen = "127.0.0.1:0"; });
  ASSERT_NE(env, nullptr);
  for (const RefusalCase& c : Cases()) {
    SCOPED_TRACE(c.name);
    const double before = c.reason.empty() ? 0 : RefusedWith(*env, c.reason);
    istio::v1::auth::IstioCertificateResponse response;
    grpc::Status status = env->CreateCertificate(c.csr(), 0, c.token(*env), &response);
    EXPECT_EQ(status.error_code(), c.code) << status.error_message();
    EXPECT_NE(status.error_message().find(c.message_fragment), std::string::npos)
        << "message: " << status.error_message();
    EXPECT_EQ(response.cert_chain_size(), 0);
    if (!c.reason.empty()) {
      EXPECT_EQ(RefusedWith(*env, c.reason), before + 1);
    }
  }
  for (const MetricLabels& labels :
       ScrapeRefusals(*env).LabelSets("svidd_requests_refused_total")) {
    EXPECT_FALSE(labels.at("reason").ends_with("/other")) << labels.at("reason");
  }
  // Nothing refused was recorded, and the server still issues.
  auto all = env->server().ledger().ListCertificates({});
  ASSERT_TRUE(all.ok());
  for (const auto& record : *all) EXPECT_NE(record.kind, ledger::CertKind::kWorkload);
  istio::v1::auth::IstioCertificateResponse response;
  EXPECT_TRUE(env->CreateCertificate(GoodCsr(), 0, env->TokenFor("foo", "bar"), &response).ok());
}

// A node agent asking for another workload's certificate through Istio's request metadata:
// svidd trusts no node accounts, so it says so instead of reporting a CSR mismatch.
TEST(RefusalTest, ImpersonationIsRefusedByName) {
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  const std::string victim = "spiffe://cluster.local/ns/foo/sa/victim";
  auto stub = istio::v1::auth::IstioCertificateService::NewStub(env->Channel());
  for (const std::string& csr_id : {victim, std::string(kFooId)}) {
    SCOPED_TRACE(csr_id);
    istio::v1::auth::IstioCertificateRequest request;
    request.set_csr(BuildIstioCsr(csr_id).value().pem);
    (*request.mutable_metadata()->mutable_fields())["ImpersonatedIdentity"].set_string_value(
        victim);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    context.AddMetadata("authorization", "Bearer " + env->TokenFor("foo", "bar"));
    istio::v1::auth::IstioCertificateResponse response;
    grpc::Status status = stub->CreateCertificate(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_NE(status.error_message().find("ImpersonatedIdentity"), std::string::npos)
        << status.error_message();
    EXPECT_NE(status.error_message().find(victim), std::string::npos) << status.error_message();
    EXPECT_EQ(response.cert_chain_size(), 0);
  }
  // Other metadata (CertSigner) does not get in the way.
  istio::v1::auth::IstioCertificateRequest request;
  request.set_csr(GoodCsr());
  (*request.mutable_metadata()->mutable_fields())["CertSigner"].set_string_value("default");
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  context.AddMetadata("authorization", "Bearer " + env->TokenFor("foo", "bar"));
  istio::v1::auth::IstioCertificateResponse response;
  EXPECT_TRUE(stub->CreateCertificate(&context, request, &response).ok());
}

TEST(RefusalTest, ExpiredSigningCaMeansUnavailable) {
  // An operator's CA (--ca-dir): svidd cannot replace it, so once it expires nothing is signed.
  TempDir ca_dir;
  pki::CaBootstrapOptions bootstrap;
  bootstrap.intermediate_ttl = std::chrono::hours(48);
  auto ca = BootstrapCa(bootstrap, SystemClock::Instance().Now());
  ASSERT_TRUE(ca.ok());
  ASSERT_TRUE(WriteIstioCaDir(ca_dir.path(), *ca).ok());
  auto env = TestEnv::Start([&](server::ServerOptions& o) { o.ca_dir = ca_dir.path(); });
  ASSERT_NE(env, nullptr);
  auto not_after = env->server().authorities().Get()->not_after();
  env->clock().Set(not_after + std::chrono::seconds(1));
  istio::v1::auth::IstioCertificateResponse response;
  grpc::Status status =
      env->CreateCertificate(GoodCsr(), 0, env->TokenFor("foo", "bar"), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_NE(status.error_message().find("CA not ready"), std::string::npos)
      << status.error_message();
  // Health follows: a CA that cannot sign is not SERVING.
  EXPECT_FALSE(env->server().RunMaintenance().ok());
  EXPECT_FALSE(env->server().serving());
}

}  // namespace
}  // namespace svidd::testing
