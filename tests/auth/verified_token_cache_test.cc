// The verified-token cache on its own (hits, expiry, key-set changes, the bound) and inside
// KubernetesTokenVerifier (a reused token still meets every claim rule at each use).
#include "auth/verified_token_cache.h"

#include <gtest/gtest.h>

#include "auth/token_test_env.h"
#include "svidd/auth/kubernetes_token_verifier.h"
#include "svidd/common/base64url.h"
#include "svidd/common/refusal.h"

namespace svidd::testing {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

std::shared_ptr<const auth::JwksKeySet> KeySet(const TestSigningKey& key) {
  auto keys = auth::JwksKeySet::ParseText(JwksJson({&key}));
  EXPECT_TRUE(keys.ok()) << keys.status();
  return keys.ok() ? *std::move(keys) : nullptr;
}

std::shared_ptr<const nlohmann::json> Payload(int n) {
  return std::make_shared<const nlohmann::json>(nlohmann::json{{"n", n}});
}

class VerifiedTokenCacheTest : public ::testing::Test {
 protected:
  TokenTestEnv env_;
  std::shared_ptr<const auth::JwksKeySet> keys_ = KeySet(env_.rsa());
  TimePoint now_ = env_.clock().Now();
};

TEST_F(VerifiedTokenCacheTest, HitNeedsTheSameTokenTheSameKeysAndAnUnexpiredEntry) {
  auth::VerifiedTokenCache cache(8);
  cache.Insert("h.p.sig", keys_, Payload(1), now_ + hours(1), now_);
  auto hit = cache.Find("h.p.sig", keys_, now_);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ((*hit)["n"], 1);
  EXPECT_EQ(cache.Find("h.other.sig", keys_, now_), nullptr) << "same signature, other payload";
  EXPECT_EQ(cache.Find("h.p.sig", keys_, now_ + hours(1)), nullptr) << "at exp";
  EXPECT_EQ(cache.size(), 0u) << "the expired entry is dropped when looked up";
  const auth::VerifiedTokenCacheStats stats = cache.stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 2u);
  EXPECT_EQ(stats.entries, 0u);
}

TEST_F(VerifiedTokenCacheTest, AnotherKeySetEmptiesTheCache) {
  auth::VerifiedTokenCache cache(8);
  cache.Insert("h.p.sig", keys_, Payload(1), now_ + hours(1), now_);
  // An equal set parsed again is another set: the cache follows identity, not content.
  auto reloaded = KeySet(env_.rsa());
  EXPECT_EQ(cache.Find("h.p.sig", reloaded, now_), nullptr);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.Find("h.p.sig", keys_, now_), nullptr) << "going back does not restore it";
}

TEST_F(VerifiedTokenCacheTest, ExpiredTokensAreNotKept) {
  auth::VerifiedTokenCache cache(8);
  cache.Insert("h.p.sig", keys_, Payload(1), now_, now_);
  cache.Insert("h.p.sig2", keys_, Payload(2), now_ - seconds(1), now_);
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(VerifiedTokenCacheTest, BoundedOldestGoesFirst) {
  auth::VerifiedTokenCache cache(3);
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
  auth::VerifiedTokenCache cache(0);
  cache.Insert("h.p.sig", keys_, Payload(1), now_ + hours(1), now_);
  EXPECT_EQ(cache.Find("h.p.sig", keys_, now_), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(JwsSignaturePartTest, AfterTheLastDot) {
  EXPECT_EQ(auth::JwsSignaturePart("a.b.c"), "c");
  EXPECT_EQ(auth::JwsSignaturePart("a.b."), "");
  EXPECT_EQ(auth::JwsSignaturePart("abc"), "");
}

// Through the verifier: the token is verified once, then reused as istio-agent does. The
// cache's counters tell which path each call took, so these fail if the cache is bypassed.
void ExpectRefused(const absl::StatusOr<auth::KubernetesTokenClaims>& result, Refusal reason) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated) << result.status();
  EXPECT_EQ(RefusalOf(result.status()), reason) << result.status();
}

TEST(KubernetesTokenVerifierCacheTest, SecondUseOfATokenIsACacheHit) {
  TokenTestEnv env;
  auto verifier = env.MakeVerifier();
  std::string token = MintToken(env.rsa(), env.Spec());
  ASSERT_TRUE(verifier->Verify(token).ok());
  EXPECT_EQ(verifier->token_cache_stats().hits, 0u);
  EXPECT_EQ(verifier->token_cache_stats().entries, 1u);
  auto again = verifier->Verify(token);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->namespace_name, "foo");
  EXPECT_EQ(verifier->token_cache_stats().hits, 1u);
  EXPECT_EQ(verifier->token_cache_stats().misses, 1u);
}

TEST(KubernetesTokenVerifierCacheTest, ExpiredCachedTokenIsRefused) {
  TokenTestEnv env;
  auto verifier = env.MakeVerifier(seconds(30));
  std::string token = MintToken(env.rsa(), env.Spec());  // exp = now + 1 h
  ASSERT_TRUE(verifier->Verify(token).ok());
  env.clock().Advance(minutes(59));
  ASSERT_TRUE(verifier->Verify(token).ok());
  EXPECT_EQ(verifier->token_cache_stats().hits, 1u);
  env.clock().Advance(minutes(1) + seconds(31));  // past exp and the leeway
  ExpectRefused(verifier->Verify(token), Refusal::kExpiredToken);
  EXPECT_EQ(verifier->token_cache_stats().hits, 1u) << "an expired token is no hit";
  EXPECT_EQ(verifier->token_cache_stats().entries, 0u);
}

TEST(KubernetesTokenVerifierCacheTest, CachedTokenStillMeetsNbfAtEachUse) {
  TokenTestEnv env;
  auto verifier = env.MakeVerifier(seconds(30));
  std::string token = MintToken(env.rsa(), env.Spec());  // nbf = iat = now
  ASSERT_TRUE(verifier->Verify(token).ok());
  // The clock is stepped back (an NTP correction): the cached token is not valid yet.
  env.clock().Advance(-minutes(5));
  ExpectRefused(verifier->Verify(token), Refusal::kTokenNotYetValid);
  EXPECT_EQ(verifier->token_cache_stats().hits, 1u) << "refused on the cached path";
}

TEST(KubernetesTokenVerifierCacheTest, ChangedKeySetInvalidatesCachedTokens) {
  TokenTestEnv env;
  auto verifier = env.MakeVerifier();
  std::string token = MintToken(env.rsa(), env.Spec());
  ASSERT_TRUE(verifier->Verify(token).ok());
  ASSERT_TRUE(verifier->Verify(token).ok());
  EXPECT_EQ(verifier->token_cache_stats().hits, 1u);
  env.WriteJwks(JwksJson({&env.ec()}));  // rsa-1 removed
  env.clock().Advance(seconds(2));       // past the reload check interval
  // A miss, then the signature check finds no key "rsa-1".
  ExpectRefused(verifier->Verify(token), Refusal::kToken);
  const auth::VerifiedTokenCacheStats stats = verifier->token_cache_stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 2u);
  EXPECT_EQ(stats.entries, 0u);
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
  ExpectRefused(verifier->Verify(forged), Refusal::kTokenSignature);
  EXPECT_EQ(verifier->token_cache_stats().hits, 0u) << "the cached signature is no hit";
  auto claims = verifier->Verify(token);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->namespace_name, "foo");
  EXPECT_EQ(verifier->token_cache_stats().hits, 1u);
}

}  // namespace
}  // namespace svidd::testing
