// Tokens whose signature has already been checked, so that a workload presenting the same
// token again (istio-agent reuses its token for an hour) costs a lookup instead of a signature
// check. Only the signature check is remembered: the caller re-applies every claim rule
// (exp, nbf, iat, iss, aud, sub) to the cached payload at each use.
//
// Keyed by the token's signature part, and a hit also needs the whole token to be the same
// text (a token that reuses a cached signature with another header or payload misses and is
// verified, and refused, as usual). An entry holds only while the key set it was verified
// against is the current one (a changed JWKS empties the cache) and until the token's exp.
// Bounded: at `capacity` entries the oldest goes (an expired entry goes when it is looked up).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "auth/jwks_key_set.h"
#include "nlohmann/json.hpp"
#include "svidd/auth/kubernetes_token_verifier.h"
#include "svidd/common/clock.h"
#include "svidd/common/mutex.h"

namespace svidd::auth {

class VerifiedTokenCache {
 public:
  explicit VerifiedTokenCache(size_t capacity);

  // The payload of `token` if it was verified against `keys` (the same set, not an equal one)
  // and its exp is after `now`; nullptr otherwise.
  std::shared_ptr<const nlohmann::json> Find(std::string_view token,
                                             const std::shared_ptr<const JwksKeySet>& keys,
                                             TimePoint now);

  // Remembers that `token` verified against `keys`. Tokens already expired at `now` are not kept.
  void Insert(std::string_view token, const std::shared_ptr<const JwksKeySet>& keys,
              std::shared_ptr<const nlohmann::json> payload, TimePoint expiry, TimePoint now);

  size_t size() const;
  // Find()s that returned a payload, and those that did not.
  VerifiedTokenCacheStats stats() const;

 private:
  struct Entry {
    std::string token;
    std::shared_ptr<const nlohmann::json> payload;
    TimePoint expiry;
    uint64_t sequence = 0;
  };
  // Empties the cache if `keys` is not the set its entries were verified against.
  void FollowKeys(const std::shared_ptr<const JwksKeySet>& keys) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void MakeRoom() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t capacity_;
  mutable Mutex mu_;
  std::shared_ptr<const JwksKeySet> keys_ ABSL_GUARDED_BY(mu_);
  std::unordered_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);      // by signature
  std::deque<std::pair<std::string, uint64_t>> order_ ABSL_GUARDED_BY(mu_);  // oldest first
  uint64_t next_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t hits_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t misses_ ABSL_GUARDED_BY(mu_) = 0;
};

// The signature part of a compact JWS (after the last '.'), empty if there is none.
std::string_view JwsSignaturePart(std::string_view token);

}  // namespace svidd::auth
