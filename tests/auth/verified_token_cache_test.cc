// The verified-token cache on its own (hits, expiry, key-set changes, the bound) and inside
// KubernetesTokenVerifier (a reused token still meets every claim rule at each use).
#include "auth/verified_token_cache.h"

#include <gtest/gtest.h>

#include "auth/token_test_env.h"
#include "svidd/auth/kubernetes_token_verifier.h"
#include "svidd/common/base64url.h"

namespace svidd::testing {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

std::shared_ptr<const JwksKeySet> KeySet(const TestSigningKey& key) {
  auto keys = JwksKeySet::ParseText(JwksJson({&key}));
  EXPECT_TRUE(keys.ok()) << keys.status();
  return keys.ok() ? *std::move(keys) : nullptr;
}

std::shared_ptr<const nlohmann::json> Payload(int n) {
  return std::make_shared<const nlohmann::json>(nlohmann::json{{"n", n}});
}

class VerifiedTokenCacheTest : public ::testing::Test {
 protected:
  TokenTestEnv env_;
  std::shared_ptr<const JwksKeySet> keys_ = KeySet(env_.rsa());
  TimePoint now_ = env_.clock().Now();
};

TEST_F(VerifiedTokenCacheTest, HitNeedsTheSameTokenTheSameKeysAndAnUnexpiredEntry) {
  VerifiedTokenCache cache(8);
  cache.Insert("h.p.sig", keys_, Payload(1), now_ + hours(1), now_);
  auto hit = cache.Find("h.p.sig", keys_, now_);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ((*hit)["n"], 1);
  EXPECT_EQ(cache.Find("h.other.sig", keys_, now_), nullptr) << "same signature, other payload";
  EXPECT_EQ(cache.Find("h.p.sig", keys_, now_ + hours(1)), nullptr) << "at exp";
  EXPECT_EQ(cache.size(), 0u) << "the expired entry is dropped when looked up";
}

TEST_F(VerifiedTokenCacheTest, AnotherKeySetEmptiesTheCache) {
  VerifiedTokenCache cache(8);
  cache.Insert("h.p.sig", keys_, Payload(1), now_ + hours(1), now_);
  // An equal set parsed again is another set: the cache follows identity, not content.
  auto reloaded = KeySet(env_.rsa());
  EXPECT_EQ(cache.Find("h.p.sig", reloaded, now_), nullptr);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.Find("h.p.sig", keys_, now_), nullptr) << "going back does not restore it";
}

TEST_F(VerifiedTokenCacheTest, ExpiredTokensAreNotKept) {
  VerifiedTokenCache cache(8);
  cache.Insert("h.p.sig", keys_, Payload(1), now_, now_);
  cache.Insert("h.p.sig2", keys_, Payload(2), now_ - seconds(1), now_);
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(VerifiedTokenCacheTest, BoundedOldestGoesFirst) {
  VerifiedTokenCache cache(3);
  for (int i = 0; i < 10; ++i) {
    cache.Insert("h.p.s" + std::to_string(i), keys_, Payload(i), now_ + hours(1), now_);
    EXPECT_LE(cache.size(), 3u);
  }
  EXPECT_EQ(cache.Find("h.p.s6", keys_, now_), nullptr);
  for (int i = 7; i < 10; ++i)
    EXPECT_NE(cache.Find("h.p.s" + std::to_string(i), keys_, now_), nullptr);
  // Entries dropped on lookup leave slots behind; the bound holds through many of them.
  for (int i = 10; i < 1000; ++i) {
    std::string token = "h.p.s" + std::to_string(i);
    cache.Insert(token, keys_, Payload(i), now_ + seconds(1), now_);
    EXPECT_EQ(cache.Find(token, keys_, now_ + seconds(2)), nullptr);
  }
  EXPECT_LE(cache.size(), 3u);
}

TEST_F(VerifiedTokenCacheTest, CapacityZeroKeepsNothing) {
  VerifiedTokenCache cache(0);
  cache.Insert("h.p.sig", keys_, Payload(1), now_ + hours(1), now_);
  EXPECT_EQ(cache.Find("h.p.sig", keys_, now_), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(JwsSignaturePartTest, AfterTheLastDot) {
  EXPECT_EQ(JwsSignaturePart("a.b.c"), "c");
  EXPECT_EQ(JwsSignaturePart("a.b."), "");
  EXPECT_EQ(JwsSignaturePart("abc"), "");
}

// Through the verifier: the token is verified once, then reused as istio-agent does.
TEST(KubernetesTokenVerifierCacheTest, ExpiredCachedTokenIsRefused) {
  TokenTestEnv env;
  auto verifier = env.MakeVerifier(seconds(30));
  std::string token = MintToken(env.rsa(), env.Spec());  // exp = now + 1 h
  ASSERT_TRUE(verifier->Verify(token).ok());
  env.clock().Advance(minutes(59));
  ASSERT_TRUE(verifier->Verify(token).ok());
  env.clock().Advance(minutes(1) + seconds(31));  // past exp and the leeway
  auto expired = verifier->Verify(token);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(expired.status().message().find("token expired at"), absl::string_view::npos)
      << expired.status();
}

TEST(KubernetesTokenVerifierCacheTest, CachedTokenStillMeetsNbfAtEachUse) {
  TokenTestEnv env;
  auto verifier = env.MakeVerifier(seconds(30));
  std::string token = MintToken(env.rsa(), env.Spec());  // nbf = iat = now
  ASSERT_TRUE(verifier->Verify(token).ok());
  // The clock is stepped back (an NTP correction): the cached token is not valid yet.
  env.clock().Advance(-minutes(5));
  auto early = verifier->Verify(token);
  ASSERT_FALSE(early.ok());
  EXPECT_NE(early.status().message().find("not yet valid"), absl::string_view::npos)
      << early.status();
}

TEST(KubernetesTokenVerifierCacheTest, ChangedKeySetInvalidatesCachedTokens) {
  TokenTestEnv env;
  auto verifier = env.MakeVerifier();
  std::string token = MintToken(env.rsa(), env.Spec());
  ASSERT_TRUE(verifier->Verify(token).ok());
  ASSERT_TRUE(verifier->Verify(token).ok());
  env.WriteJwks(JwksJson({&env.ec()}));  // rsa-1 removed
  env.clock().Advance(seconds(2));       // past the reload check interval
  auto refused = verifier->Verify(token);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("key id \"rsa-1\" is not in the JWKS"),
            absl::string_view::npos)
      << refused.status();
}

TEST(KubernetesTokenVerifierCacheTest, CachedSignatureUnderAnotherPayloadIsRefused) {
  TokenTestEnv env;
  auto verifier = env.MakeVerifier();
  std::string token = MintToken(env.rsa(), env.Spec());
  ASSERT_TRUE(verifier->Verify(token).ok());
  TokenSpec admin = env.Spec();
  admin.ns = admin.sa = "admin";
  size_t first = token.find('.'), second = token.find('.', first + 1);
  std::string forged =
      token.substr(0, first + 1) + Base64UrlEncode(TokenPayloadJson(admin)) + token.substr(second);
  auto refused = verifier->Verify(forged);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("signature does not verify"), absl::string_view::npos)
      << refused.status();
  auto claims = verifier->Verify(token);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->namespace_name, "foo");
}

}  // namespace
}  // namespace svidd::testing
