// Every refusal the API promises, with its gRPC status code and a message that says what was
// wrong; and the server keeps issuing afterwards.
#include <gtest/gtest.h>

#include "integration/test_env.h"
#include "support/pki/csr_builder.h"
#include "svidd/pki/ca_material.h"

namespace svidd::testing {
namespace {

constexpr char kFooId[] = "spiffe://cluster.local/ns/foo/sa/bar";

struct RefusalCase {
  std::string name;
  std::function<std::string(const TestEnv&)> token;  // "" = none
  std::function<std::string()> csr;
  grpc::StatusCode code;
  std::string message_fragment;
};

std::string GoodCsr() { return BuildIstioCsr(kFooId).value().pem; }

std::string CsrWith(const std::function<void(CsrSpec&)>& change) {
  CsrSpec spec;
  spec.uris = {kFooId};
  change(spec);
  return BuildCsr(spec).value().pem;
}

std::function<std::string(const TestEnv&)> TokenWith(const std::function<void(TokenSpec&)>& change) {
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

auto GoodToken() { return TokenWith([](TokenSpec&) {}); }

std::vector<RefusalCase> Cases() {
  using grpc::StatusCode;
  return {
      {"NoCredentials", [](const TestEnv&) { return std::string(); }, GoodCsr,
       StatusCode::UNAUTHENTICATED, "no credentials"},
      {"GarbageToken", [](const TestEnv&) { return std::string("not-a-jwt"); }, GoodCsr,
       StatusCode::UNAUTHENTICATED, ""},
      {"ExpiredToken",
       TokenWith([](TokenSpec& s) { s.iat -= std::chrono::hours(3); }), GoodCsr,
       StatusCode::UNAUTHENTICATED, "expired"},
      {"WrongAudience", TokenWith([](TokenSpec& s) { s.audiences = {"kubernetes"}; }), GoodCsr,
       StatusCode::UNAUTHENTICATED, "audience"},
      {"WrongIssuer", TokenWith([](TokenSpec& s) { s.issuer = "https://evil.example"; }), GoodCsr,
       StatusCode::UNAUTHENTICATED, "issuer"},
      {"AlgNone",
       [](const TestEnv& env) {
         TokenSpec s;
         s.issuer = kTestIssuer;
         s.ns = "foo";
         s.sa = "bar";
         s.iat = const_cast<TestEnv&>(env).clock().Now();
         return MintUnsignedToken(s);
       },
       GoodCsr, StatusCode::UNAUTHENTICATED, "none"},
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
       GoodCsr, StatusCode::UNAUTHENTICATED, "signature"},
      // Kubernetes names: a namespace is an RFC 1123 label, a service account a DNS subdomain.
      {"UppercaseNamespace", TokenWith([](TokenSpec& s) { s.ns = "Foo"; }), GoodCsr,
       StatusCode::UNAUTHENTICATED, "namespace \"Foo\" is not a Kubernetes name"},
      {"NamespaceOver63", TokenWith([](TokenSpec& s) { s.ns = std::string(64, 'a'); }), GoodCsr,
       StatusCode::UNAUTHENTICATED, "64 characters"},
      {"NamespaceWithDot", TokenWith([](TokenSpec& s) { s.ns = "foo.bar"; }), GoodCsr,
       StatusCode::UNAUTHENTICATED, "not a Kubernetes name (RFC 1123 label"},
      {"UppercaseServiceAccount", TokenWith([](TokenSpec& s) { s.sa = "Bar"; }), GoodCsr,
       StatusCode::UNAUTHENTICATED, "service account \"Bar\" is not a Kubernetes name"},
      {"ServiceAccountOver253",
       TokenWith([](TokenSpec& s) { s.sa = std::string(254, 'b'); }), GoodCsr,
       StatusCode::UNAUTHENTICATED, "254 characters"},
      {"ServiceAccountStartsWithDash", TokenWith([](TokenSpec& s) { s.sa = "-bar"; }), GoodCsr,
       StatusCode::UNAUTHENTICATED, "DNS subdomain"},
      {"IdentityMismatch", TokenWith([](TokenSpec& s) { s.ns = "other"; }), GoodCsr,
       StatusCode::PERMISSION_DENIED, "spiffe://cluster.local/ns/other/sa/bar"},
      {"CsrWithDnsSan", GoodToken(), [] { return CsrWith([](CsrSpec& s) { s.dns = {"evil.com"}; }); },
       StatusCode::INVALID_ARGUMENT, "DNS"},
      {"CsrWithTwoUris", GoodToken(),
       [] { return CsrWith([](CsrSpec& s) { s.uris.push_back("spiffe://cluster.local/ns/x/sa/y"); }); },
       StatusCode::INVALID_ARGUMENT, "URI"},
      {"CsrAsksForCa", GoodToken(), [] { return CsrWith([](CsrSpec& s) { s.request_ca = true; }); },
       StatusCode::INVALID_ARGUMENT, "cA=true"},
      {"CsrBadSignature", GoodToken(),
       [] { return CsrWith([](CsrSpec& s) { s.corrupt_signature = true; }); },
       StatusCode::INVALID_ARGUMENT, "signature"},
      {"CsrWeakRsa", GoodToken(),
       [] {
         return CsrWith([](CsrSpec& s) {
           s.key_type = KeyType::kRsa2048;
           s.rsa_bits = 1024;
         });
       },
       StatusCode::INVALID_ARGUMENT, "1024"},
      {"CsrExplicitEcParameters", GoodToken(),
       [] { return CsrWith([](CsrSpec& s) { s.explicit_ec_params = true; }); },
       StatusCode::INVALID_ARGUMENT, "explicit curve parameters"},
      {"CsrSignedWithSha1", GoodToken(), [] { return CsrWith([](CsrSpec& s) { s.digest = "SHA1"; }); },
       StatusCode::INVALID_ARGUMENT, "signature digest SHA1 is too weak"},
      {"CsrSignedWithMd5", GoodToken(),
       [] {
         return CsrWith([](CsrSpec& s) {
           s.key_type = KeyType::kRsa2048;
           s.digest = "MD5";
         });
       },
       StatusCode::INVALID_ARGUMENT, "signature digest MD5 is too weak"},
      {"NotACsr", GoodToken(), [] { return std::string("hello"); }, StatusCode::INVALID_ARGUMENT,
       "CSR"},
      {"CsrOverCsrLimit", GoodToken(), [] { return GoodCsr() + std::string(40 * 1024, 'A'); },
       StatusCode::INVALID_ARGUMENT, "bytes"},
      {"FourMebibyteMessage", GoodToken(), [] { return std::string(4 * 1024 * 1024, 'A'); },
       StatusCode::RESOURCE_EXHAUSTED, ""},
  };
}

TEST(RefusalTest, EachRefusalHasItsCodeAndSaysWhy) {
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  for (const RefusalCase& c : Cases()) {
    SCOPED_TRACE(c.name);
    istio::v1::auth::IstioCertificateResponse response;
    grpc::Status status = env->CreateCertificate(c.csr(), 0, c.token(*env), &response);
    EXPECT_EQ(status.error_code(), c.code) << status.error_message();
    EXPECT_NE(status.error_message().find(c.message_fragment), std::string::npos)
        << "message: " << status.error_message();
    EXPECT_EQ(response.cert_chain_size(), 0);
  }
  // Nothing refused was recorded, and the server still issues.
  auto all = env->server().ledger().ListCertificates({});
  ASSERT_TRUE(all.ok());
  for (const auto& record : *all) EXPECT_NE(record.kind, CertKind::kWorkload);
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
    (*request.mutable_metadata()->mutable_fields())["ImpersonatedIdentity"].set_string_value(victim);
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
  CaBootstrapOptions bootstrap;
  bootstrap.intermediate_ttl = std::chrono::hours(48);
  auto ca = BootstrapCa(bootstrap, SystemClock::Instance().Now());
  ASSERT_TRUE(ca.ok());
  ASSERT_TRUE(WriteIstioCaDir(ca_dir.path(), *ca).ok());
  auto env = TestEnv::Start([&](ServerOptions& o) { o.ca_dir = ca_dir.path(); });
  ASSERT_NE(env, nullptr);
  auto not_after = env->server().authorities().Get()->not_after();
  env->clock().Set(not_after + std::chrono::seconds(1));
  istio::v1::auth::IstioCertificateResponse response;
  grpc::Status status = env->CreateCertificate(GoodCsr(), 0, env->TokenFor("foo", "bar"), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_NE(status.error_message().find("CA not ready"), std::string::npos) << status.error_message();
  // Health follows: a CA that cannot sign is not SERVING.
  EXPECT_FALSE(env->server().RunMaintenance().ok());
  EXPECT_FALSE(env->server().serving());
}

}  // namespace
}  // namespace svidd::testing
