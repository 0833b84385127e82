#include "svidd/auth/kubernetes_token_verifier.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "auth/token_test_env.h"
#include "svidd/common/base64url.h"
#include "svidd/crypto/pem.h"

namespace svidd::testing {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

struct TokenCase {
  std::string name;
  std::function<std::string(TokenTestEnv&)> token;
  std::string fragment;  // "" = must verify
};

std::function<std::string(TokenTestEnv&)> Rsa(std::function<void(TokenSpec&)> change) {
  return [change](TokenTestEnv& env) {
    TokenSpec spec = env.Spec();
    change(spec);
    return MintToken(env.rsa(), spec);
  };
}

std::function<std::string(TokenTestEnv&)> Raw(std::string token) {
  return [token](TokenTestEnv&) { return token; };
}

// Replaces the payload of a signed token, keeping header and signature.
std::string WithPayload(const std::string& token, const std::string& payload_json) {
  size_t first = token.find('.');
  size_t second = token.find('.', first + 1);
  return token.substr(0, first + 1) + Base64UrlEncode(payload_json) + token.substr(second);
}

const std::string kHeaderRs = Base64UrlEncode(R"({"alg":"RS256","kid":"rsa-1"})");

std::vector<TokenCase> Cases() {
  auto none = [](TokenSpec&) {};
  return {
      {"GoodRs256", Rsa(none), ""},
      {"GoodEs256", [](TokenTestEnv& env) { return MintToken(env.ec(), env.Spec()); }, ""},
      {"GoodWithoutKid", Rsa([](TokenSpec& s) { s.kid_override = ""; }), ""},
      {"AudAsString", Rsa([](TokenSpec& s) { s.aud_as_string = true; }), ""},
      {"AudAmongSeveral", Rsa([](TokenSpec& s) {
         s.audiences = {"api", "istio-ca"};
       }),
       ""},
      {"ExpiredWithinLeeway", Rsa([](TokenSpec& s) { s.iat -= hours(1) + seconds(10); }), ""},
      {"NoKubernetesClaim", Rsa([](TokenSpec& s) { s.kubernetes_claim = false; }), ""},
      {"Forged",
       [](TokenTestEnv& env) {
         auto forger = MakeRs256Key(env.rsa().kid).value();  // same kid, another key
         return MintToken(forger, env.Spec());
       },
       "signature does not verify"},
      {"TamperedPayload",
       [](TokenTestEnv& env) {
         TokenSpec other = env.Spec();
         other.ns = other.sa = "admin";
         return WithPayload(MintToken(env.rsa(), env.Spec()), TokenPayloadJson(other));
       },
       "signature does not verify"},
      {"Expired", Rsa([](TokenSpec& s) { s.iat -= hours(2); }), "token expired at"},
      {"NotYetValid", Rsa([](TokenSpec& s) { s.iat += std::chrono::minutes(5); }), "not yet valid"},
      {"WrongAudience", Rsa([](TokenSpec& s) { s.audiences = {"kubernetes"}; }),
       "audience does not include \"istio-ca\""},
      {"WrongAudienceAsString", Rsa([](TokenSpec& s) {
         s.audiences = {"kubernetes"};
         s.aud_as_string = true;
       }),
       "audience"},
      {"NoAudience", Rsa([](TokenSpec& s) { s.audiences = {}; }), "audience"},
      {"WrongIssuer", Rsa([](TokenSpec& s) { s.issuer = "https://evil.example"; }),
       "issuer \"https://evil.example\" is not the trusted issuer"},
      {"AlgNone", [](TokenTestEnv& env) { return MintUnsignedToken(env.Spec()); },
       "\"none\" is not allowed"},
      {"Hs256WithRsaPublicKey",
       [](TokenTestEnv& env) {
         TokenSpec spec = env.Spec();
         spec.kid_override = env.rsa().kid;
         return MintHs256Token(crypto::PublicKeyToDer(env.rsa().key.get()).value(), spec);
       },
       "HS256 is not allowed"},
      {"Rs384", Rsa([](TokenSpec& s) { s.alg_override = "RS384"; }),
       "\"RS384\" is not allowed; only RS256 and ES256"},
      {"Es384", Rsa([](TokenSpec& s) { s.alg_override = "ES384"; }), "\"ES384\" is not allowed"},
      {"Es256HeaderOnRsaKid", Rsa([](TokenSpec& s) { s.alg_override = "ES256"; }),
       "ES256 does not fit the RSA key \"rsa-1\""},
      {"Rs256HeaderOnEcKid",
       [](TokenTestEnv& env) {
         TokenSpec spec = env.Spec();
         spec.alg_override = "RS256";
         return MintToken(env.ec(), spec);
       },
       "RS256 does not fit the EC key \"ec-1\""},
      {"UnknownKid", Rsa([](TokenSpec& s) { s.kid_override = "nope"; }),
       "key id \"nope\" is not in the JWKS"},
      {"TwoParts", Raw(kHeaderRs + ".e30"), "expected 3 dot-separated parts, got 2"},
      {"FourParts", Raw(kHeaderRs + ".e30.sig.x"), "got 4"},
      {"HeaderNotBase64", Raw("ab*c.e30.c2ln"), "header is not base64url"},
      {"HeaderNotJson", Raw(Base64UrlEncode("not json") + ".e30.c2ln"),
       "header is not a JSON object"},
      {"SignatureNotBase64", Raw(kHeaderRs + ".e30.a+b"), "signature is not base64url"},
      {"SignedPayloadNotJson",
       [](TokenTestEnv& env) {
         return SignCompact(env.rsa(), R"({"alg":"RS256","kid":"rsa-1"})", "not json");
       },
       "payload is not a JSON object"},
      {"Es256SignatureWrongLength",
       [](TokenTestEnv& env) {
         std::string token = MintToken(env.ec(), env.Spec());
         return token.substr(0, token.rfind('.') + 1) + Base64UrlEncode(std::string(70, 'x'));
       },
       "ES256 signature must be 64 bytes"},
      {"CritHeader",
       [](TokenTestEnv& env) {
         return SignCompact(env.rsa(), R"({"alg":"RS256","kid":"rsa-1","crit":["b64"]})",
                            TokenPayloadJson(env.Spec()));
       },
       "\"crit\""},
      {"SubNotServiceAccount", Rsa([](TokenSpec& s) { s.subject = "system:node:worker-1"; }),
       "is not a service account"},
      {"SubWithExtraColon",
       Rsa([](TokenSpec& s) { s.subject = "system:serviceaccount:foo:bar:baz"; }),
       "is not a service account"},
      // Kubernetes names (the longest legal ones pass: KubernetesNamesAtTheirLimits).
      {"Namespace64Chars", Rsa([](TokenSpec& s) { s.ns = std::string(64, 'n'); }),
       "is 64 characters; a Kubernetes namespace has at most 63"},
      {"NamespaceUppercase", Rsa([](TokenSpec& s) { s.ns = "Foo"; }),
       "namespace \"Foo\" is not a Kubernetes name"},
      {"NamespaceUnderscore", Rsa([](TokenSpec& s) { s.ns = "foo_bar"; }), "RFC 1123 label"},
      {"NamespaceEndsWithDash", Rsa([](TokenSpec& s) { s.ns = "foo-"; }), "RFC 1123 label"},
      {"ServiceAccount254Chars", Rsa([](TokenSpec& s) { s.sa = std::string(254, 'a'); }),
       "is 254 characters; a Kubernetes service account has at most 253"},
      {"ServiceAccountUppercase", Rsa([](TokenSpec& s) { s.sa = "Bar"; }), "DNS subdomain"},
      {"ServiceAccountEmptyLabel", Rsa([](TokenSpec& s) { s.sa = "a..b"; }), "DNS subdomain"},
      {"ServiceAccountTrailingDot", Rsa([](TokenSpec& s) { s.sa = "bar."; }), "DNS subdomain"},
      {"KubernetesClaimDisagrees",
       Rsa([](TokenSpec& s) { s.subject = "system:serviceaccount:other:bar"; }),
       "kubernetes.io.namespace disagrees with the subject"},
      {"OversizeToken", Raw(std::string(16 * 1024 + 1, 'a')), "larger than the 16384-byte limit"},
  };
}

TEST(KubernetesTokenVerifierTest, NamedCases) {
  TokenTestEnv env;
  auto verifier = env.MakeVerifier();
  ASSERT_NE(verifier, nullptr);
  for (const TokenCase& c : Cases()) {
    SCOPED_TRACE(c.name);
    auto claims = verifier->Verify(c.token(env));
    if (c.fragment.empty()) {
      ASSERT_TRUE(claims.ok()) << claims.status();
      EXPECT_EQ(claims->subject, "system:serviceaccount:foo:bar");
      EXPECT_EQ(claims->namespace_name, "foo");
      EXPECT_EQ(claims->service_account, "bar");
      EXPECT_EQ(claims->issuer, kTestIssuer);
      continue;
    }
    ASSERT_FALSE(claims.ok());
    EXPECT_EQ(claims.status().code(), absl::StatusCode::kUnauthenticated) << claims.status();
    EXPECT_NE(claims.status().message().find(c.fragment), absl::string_view::npos)
        << claims.status() << " does not name: " << c.fragment;
  }
}

TEST(KubernetesTokenVerifierTest, KubernetesNamesAtTheirLimits) {
  TokenTestEnv env;
  auto verifier = env.MakeVerifier();
  const std::vector<std::pair<std::string, std::string>> names = {
      {std::string(63, 'n'), "bar"},
      {"foo", std::string(125, 'a') + "." + std::string(127, 'b')},
      {"0-9", "my-sa.v2"},
  };
  for (const auto& [ns, sa] : names) {
    SCOPED_TRACE(ns + " " + sa);
    TokenSpec spec = env.Spec();
    spec.ns = ns;
    spec.sa = sa;
    auto claims = verifier->Verify(MintToken(env.rsa(), spec));
    ASSERT_TRUE(claims.ok()) << claims.status();
    EXPECT_EQ(claims->namespace_name, ns);
    EXPECT_EQ(claims->service_account, sa);
  }
}

TEST(KubernetesTokenVerifierTest, ExpiryIsExpClaim) {
  TokenTestEnv env;
  auto verifier = env.MakeVerifier();
  auto claims = verifier->Verify(MintToken(env.rsa(), env.Spec()));
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->expiry, env.clock().Now() + hours(1));
}

TEST(KubernetesTokenVerifierTest, MessagesNeverContainTheToken) {
  TokenTestEnv env;
  auto verifier = env.MakeVerifier();
  TokenSpec spec = env.Spec();
  spec.audiences = {"kubernetes"};
  std::string token = MintToken(env.rsa(), spec);
  auto claims = verifier->Verify(token);
  ASSERT_FALSE(claims.ok());
  std::string message(claims.status().message());
  EXPECT_EQ(message.find(token.substr(token.rfind('.') + 1)), std::string::npos);
  EXPECT_EQ(message.find(token.substr(0, token.find('.'))), std::string::npos);
}

TEST(KubernetesTokenVerifierTest, CreateRefusesMissingOrInvalidFile) {
  TokenTestEnv env;
  auth::KubernetesTokenVerifierOptions options;
  options.issuer = kTestIssuer;
  options.jwks_file = env.jwks_path().parent_path() / "missing.json";
  auto missing = auth::KubernetesTokenVerifier::Create(options, env.clock());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(missing.status().message().find("missing.json"), absl::string_view::npos);

  env.WriteJwks(R"({"keys":[]})");
  options.jwks_file = env.jwks_path();
  auto empty = auth::KubernetesTokenVerifier::Create(options, env.clock());
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(empty.status().message().find("empty"), absl::string_view::npos) << empty.status();

  options.issuer = "";
  EXPECT_FALSE(auth::KubernetesTokenVerifier::Create(options, env.clock()).ok());
}

TEST(KubernetesTokenVerifierTest, ReloadsChangedJwksAtMostOncePerSecond) {
  TokenTestEnv env;
  auto verifier = env.MakeVerifier();
  auto next = MakeEs256Key("ec-2").value();
  std::string token = MintToken(next, env.Spec());
  EXPECT_FALSE(verifier->Verify(token).ok());

  env.WriteJwks(JwksJson({&next}));
  env.clock().Advance(std::chrono::milliseconds(500));
  EXPECT_FALSE(verifier->Verify(token).ok()) << "checked again within the same second";
  env.clock().Advance(std::chrono::milliseconds(600));
  token = MintToken(next, env.Spec());
  EXPECT_TRUE(verifier->Verify(token).ok());
  // The old keys are gone.
  auto old = verifier->Verify(MintToken(env.rsa(), env.Spec()));
  EXPECT_NE(old.status().message().find("not in the JWKS"), absl::string_view::npos);
}

TEST(KubernetesTokenVerifierTest, InvalidRewriteKeepsPreviousKeys) {
  TokenTestEnv env;
  auto verifier = env.MakeVerifier();
  for (const std::string& broken :
       {std::string("{not json"), std::string(R"({"keys":[]})"),
        std::string(R"({"keys":[{"kty":"RSA","kid":"x","n":"!!","e":"AQAB"}]})")}) {
    SCOPED_TRACE(broken);
    env.WriteJwks(broken);
    env.clock().Advance(seconds(2));
    auto claims = verifier->Verify(MintToken(env.rsa(), env.Spec()));
    EXPECT_TRUE(claims.ok()) << claims.status();
  }
  // Repaired with a new key: picked up again.
  auto next = MakeRs256Key("rsa-2").value();
  env.WriteJwks(JwksJson({&next}));
  env.clock().Advance(seconds(2));
  EXPECT_TRUE(verifier->Verify(MintToken(next, env.Spec())).ok());
}

TEST(KubernetesTokenVerifierTest, DeletedFileKeepsPreviousKeys) {
  TokenTestEnv env;
  auto verifier = env.MakeVerifier();
  std::filesystem::remove(env.jwks_path());
  env.clock().Advance(seconds(2));
  EXPECT_TRUE(verifier->Verify(MintToken(env.ec(), env.Spec())).ok());
}

}  // namespace
}  // namespace svidd::testing
