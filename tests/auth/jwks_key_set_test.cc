#include "auth/jwks_key_set.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/jwt/test_jwt.h"
#include "svidd/common/base64url.h"

namespace svidd::testing {
namespace {

using json = nlohmann::json;

std::string B64(size_t n, char byte) { return Base64UrlEncode(std::string(n, byte)); }

json RsaJwk(const TestSigningKey& key) { return json::parse(JwksJson({&key}))["keys"][0]; }

TEST(JwksKeySetTest, ParsesRsaAndEcKeepingKidAndKty) {
  auto rsa = MakeRs256Key("r").value();
  auto ec = MakeEs256Key("e").value();
  auto set = auth::JwksKeySet::ParseText(JwksJson({&rsa, &ec}));
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ((*set)->keys().size(), 2u);
  EXPECT_EQ((*set)->skipped(), 0u);
  EXPECT_EQ((*set)->keys()[0].kid, "r");
  EXPECT_EQ((*set)->keys()[0].kty, "RSA");
  EXPECT_EQ((*set)->keys()[0].type, auth::JwkType::kRsa);
  EXPECT_EQ((*set)->keys()[1].kty, "EC");
  EXPECT_EQ((*set)->keys()[1].type, auth::JwkType::kEcP256);
  EXPECT_EQ(EVP_PKEY_eq((*set)->keys()[1].key.get(), ec.key.get()), 1);
  EXPECT_EQ(EVP_PKEY_eq((*set)->keys()[0].key.get(), rsa.key.get()), 1);
  EXPECT_EQ((*set)->WithKid("e").size(), 1u);
  EXPECT_TRUE((*set)->WithKid("zzz").empty());
}

TEST(JwksKeySetTest, SkipsAndCountsKeysItCannotUse) {
  auto rsa = MakeRs256Key("good").value();
  json keys = json::array({RsaJwk(rsa)});
  keys.push_back({{"kty", "oct"}, {"k", B64(32, 'k')}});
  keys.push_back({{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", B64(32, 'x')}});
  keys.push_back({{"kty", "EC"}, {"crv", "P-384"}, {"x", B64(48, 'x')}, {"y", B64(48, 'y')}});
  keys.push_back({{"kty", "RSA"}, {"n", B64(128, '\xc1')}, {"e", "AQAB"}});  // 1024 bits
  json enc = RsaJwk(rsa);
  enc["use"] = "enc";
  keys.push_back(enc);
  json rs384 = RsaJwk(rsa);
  rs384["alg"] = "RS384";
  keys.push_back(rs384);
  auto set = auth::JwksKeySet::Parse(json{{"keys", keys}});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ((*set)->keys().size(), 1u);
  EXPECT_EQ((*set)->skipped(), 6u);
}

TEST(JwksKeySetTest, RefusesInvalidDocuments) {
  auto rsa = MakeRs256Key("r").value();
  json bad_n = RsaJwk(rsa);
  bad_n["n"] = "a+b/";
  json no_e = RsaJwk(rsa);
  no_e.erase("e");
  struct Case {
    std::string name;
    json document;
    std::string fragment;
  };
  const std::vector<Case> cases = {
      {"NotObject", json::array(), "not a JSON object"},
      {"NoKeys", json::object(), "no \"keys\" array"},
      {"KeysNotArray", {{"keys", "x"}}, "no \"keys\" array"},
      {"Empty", {{"keys", json::array()}}, "empty"},
      {"OnlyUnsupported",
       {{"keys", {{{"kty", "oct"}, {"k", "AAAA"}}}}},
       "no usable key (1 skipped"},
      {"KeyNotObject", {{"keys", {1}}}, "key #0: not a JSON object"},
      {"NoKty", {{"keys", {{{"kid", "a"}}}}}, "key #0 (kid \"a\"): \"kty\" is missing"},
      {"KidNotString", {{"keys", {{{"kty", "RSA"}, {"kid", 7}}}}}, "\"kid\" is not a string"},
      {"RsaBadBase64", {{"keys", {bad_n}}}, "\"n\": base64url"},
      {"RsaNoE", {{"keys", {no_e}}}, "\"e\" is missing"},
      {"EcShortX",
       {{"keys", {{{"kty", "EC"}, {"crv", "P-256"}, {"x", B64(31, 'x')}, {"y", B64(32, 'y')}}}}},
       "32 bytes each"},
      {"EcPointNotOnCurve",
       {{"keys", {{{"kty", "EC"}, {"crv", "P-256"}, {"x", B64(32, 1)}, {"y", B64(32, 2)}}}}},
       "not a valid EC public key"},
      {"EcNoCrv",
       {{"keys", {{{"kty", "EC"}, {"x", B64(32, 1)}, {"y", B64(32, 2)}}}}},
       "\"crv\" is missing"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto set = auth::JwksKeySet::Parse(c.document);
    ASSERT_FALSE(set.ok());
    EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(set.status().message().find(c.fragment), absl::string_view::npos) << set.status();
  }
}

TEST(JwksKeySetTest, ParseTextRefusesNonJson) {
  for (const std::string text : {"", "{", "keys", "{\"keys\":[}"}) {
    SCOPED_TRACE(text);
    auto set = auth::JwksKeySet::ParseText(text);
    EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace svidd::testing
