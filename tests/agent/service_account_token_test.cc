#include "svidd/agent/service_account_token.h"

#include <gtest/gtest.h>

#include "agent/agent_test_pki.h"
#include "support/jwt/test_jwt.h"
#include "svidd/common/atomic_file.h"
#include "svidd/common/base64url.h"

namespace svidd::testing {
namespace {

std::string UnsignedJwt(const std::string& payload_json) {
  return Base64UrlEncode(R"({"alg":"RS256"})") + "." + Base64UrlEncode(payload_json) + ".c2ln";
}

TEST(ServiceAccountTokenTest, SpiffeIdFromClaims) {
  TestSigningKey key = MakeRs256Key("k").value();
  TokenSpec with_claim;
  with_claim.ns = "shop";
  with_claim.sa = "cart";
  TokenSpec sub_only = with_claim;
  sub_only.kubernetes_claim = false;
  struct Case {
    const char* name;
    std::string token;
    std::string trust_domain;
    std::string want;  // "" = refused
  };
  const std::vector<Case> cases = {
      {"kubernetes.io claim", MintToken(key, with_claim), "cluster.local",
       "spiffe://cluster.local/ns/shop/sa/cart"},
      {"sub only", MintToken(key, sub_only), "example.org", "spiffe://example.org/ns/shop/sa/cart"},
      {"claim wins over sub",
       UnsignedJwt(R"({"sub":"system:serviceaccount:x:y",)"
                   R"("kubernetes.io":{"namespace":"a","serviceaccount":{"name":"b"}}})"),
       "td", "spiffe://td/ns/a/sa/b"},
      {"neither", UnsignedJwt(R"({"sub":"alice"})"), "td", ""},
      {"sub with extra colon", UnsignedJwt(R"({"sub":"system:serviceaccount:a:b:c"})"), "td", ""},
      {"two parts", "abc.def", "td", ""},
      {"payload not base64url", "a.b*c.d", "td", ""},
      {"payload not an object", UnsignedJwt("[1]"), "td", ""},
      {"namespace not a segment", UnsignedJwt(R"({"sub":"system:serviceaccount:a/b:c"})"), "td",
       ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<spiffe::SpiffeId> id = agent::SpiffeIdFromToken(c.token, c.trust_domain);
    if (c.want.empty()) {
      EXPECT_FALSE(id.ok());
      EXPECT_EQ(std::string(id.status().message()).find(c.token), std::string::npos)
          << "never echo the token";
    } else {
      ASSERT_TRUE(id.ok()) << id.status();
      EXPECT_EQ(id->str(), c.want);
    }
  }
}

TEST(ServiceAccountTokenTest, FileIsReadAnewAndTrimmed) {
  TempDir dir;
  const auto path = dir.path() / "token";
  EXPECT_TRUE(absl::IsNotFound(agent::ReadServiceAccountToken(path).status()));
  ASSERT_TRUE(WriteFileAtomically(path, "first.token.x\n").ok());
  EXPECT_EQ(agent::ReadServiceAccountToken(path).value(), "first.token.x");
  ASSERT_TRUE(WriteFileAtomically(path, "  second.token.y  ").ok());
  EXPECT_EQ(agent::ReadServiceAccountToken(path).value(), "second.token.y");
  ASSERT_TRUE(WriteFileAtomically(path, " \n").ok());
  EXPECT_TRUE(absl::IsInvalidArgument(agent::ReadServiceAccountToken(path).status()));
}

}  // namespace
}  // namespace svidd::testing
