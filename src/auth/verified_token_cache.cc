#include "auth/verified_token_cache.h"

#include <utility>

namespace svidd::auth {

std::string_view JwsSignaturePart(std::string_view token) {
  size_t dot = token.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : token.substr(dot + 1);
}

VerifiedTokenCache::VerifiedTokenCache(size_t capacity) : capacity_(capacity) {}

std::shared_ptr<const nlohmann::json> VerifiedTokenCache::Find(
    std::string_view token, const std::shared_ptr<const JwksKeySet>& keys, TimePoint now) {
  std::string_view signature = JwsSignaturePart(token);
  MutexLock lock(&mu_);
  FollowKeys(keys);
  auto it = signature.empty() ? entries_.end() : entries_.find(std::string(signature));
  if (it != entries_.end() && it->second.expiry <= now) {
    entries_.erase(it);  // its place in order_ is skipped when reached
    it = entries_.end();
  }
  if (it == entries_.end() || it->second.token != token) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  return it->second.payload;
}

void VerifiedTokenCache::Insert(std::string_view token,
                                const std::shared_ptr<const JwksKeySet>& keys,
                                std::shared_ptr<const nlohmann::json> payload, TimePoint expiry,
                                TimePoint now) {
  std::string_view signature = JwsSignaturePart(token);
  if (capacity_ == 0 || signature.empty() || expiry <= now) return;
  MutexLock lock(&mu_);
  FollowKeys(keys);
  std::string key(signature);
  if (entries_.contains(key)) return;  // the first verified token with this signature stays
  MakeRoom();
  uint64_t sequence = next_sequence_++;
  entries_.emplace(key, Entry{std::string(token), std::move(payload), expiry, sequence});
  order_.emplace_back(std::move(key), sequence);
}

size_t VerifiedTokenCache::size() const {
  MutexLock lock(&mu_);
  return entries_.size();
}

VerifiedTokenCacheStats VerifiedTokenCache::stats() const {
  MutexLock lock(&mu_);
  return VerifiedTokenCacheStats{hits_, misses_, entries_.size()};
}

void VerifiedTokenCache::FollowKeys(const std::shared_ptr<const JwksKeySet>& keys) {
  if (keys == keys_) return;
  entries_.clear();
  order_.clear();
  keys_ = keys;
}

void VerifiedTokenCache::MakeRoom() {
  while (entries_.size() >= capacity_ && !order_.empty()) {
    auto it = entries_.find(order_.front().first);
    if (it != entries_.end() && it->second.sequence == order_.front().second) entries_.erase(it);
    order_.pop_front();
  }
  // Slots of entries dropped by Find (expired) are skipped above; keep them from piling up.
  // A plain loop, not erase_if with a lambda: clang's thread-safety analysis does not see
  // that a lambda runs under mu_.
  if (order_.size() >= 2 * capacity_) {
    std::deque<std::pair<std::string, uint64_t>> live;
    for (auto& slot : order_) {
      auto it = entries_.find(slot.first);
      if (it != entries_.end() && it->second.sequence == slot.second) {
        live.push_back(std::move(slot));
      }
    }
    order_ = std::move(live);
  }
}

}  // namespace svidd::auth
