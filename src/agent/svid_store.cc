#include "svidd/agent/svid_store.h"

#include <utility>
#include <vector>

namespace svidd::agent {

AgentState SvidStore::Current() const {
  MutexLock lock(&mu_);
  return state_;
}

bool SvidStore::SetSvid(std::shared_ptr<const X509Svid> svid) {
  MutexLock in_order(&notify_mu_);
  AgentState now;
  {
    MutexLock lock(&mu_);
    if (state_.closed || svid == nullptr || svid == state_.svid) return false;
    state_.svid = std::move(svid);
    ++state_.version;
    now = state_;
  }
  Notify(now);
  return true;
}

bool SvidStore::SetBundle(std::shared_ptr<const X509Bundle> bundle) {
  MutexLock in_order(&notify_mu_);
  AgentState now;
  {
    MutexLock lock(&mu_);
    if (state_.closed || bundle == nullptr) return false;
    if (state_.bundle != nullptr && state_.bundle->SameContent(*bundle)) return false;
    state_.bundle = std::move(bundle);
    ++state_.version;
    now = state_;
  }
  Notify(now);
  return true;
}

void SvidStore::SetBoth(std::shared_ptr<const X509Svid> svid,
                        std::shared_ptr<const X509Bundle> bundle) {
  MutexLock in_order(&notify_mu_);
  AgentState now;
  {
    MutexLock lock(&mu_);
    if (state_.closed) return;
    state_.svid = std::move(svid);
    state_.bundle = std::move(bundle);
    ++state_.version;
    now = state_;
  }
  Notify(now);
}

void SvidStore::Close() {
  MutexLock in_order(&notify_mu_);
  AgentState now;
  {
    MutexLock lock(&mu_);
    if (state_.closed) return;
    state_.closed = true;
    ++state_.version;
    now = state_;
  }
  Notify(now);
}

uint64_t SvidStore::Subscribe(Listener listener) {
  MutexLock lock(&mu_);
  uint64_t id = next_listener_++;
  listeners_[id] = std::make_shared<const Listener>(std::move(listener));
  return id;
}

void SvidStore::Unsubscribe(uint64_t id) {
  MutexLock lock(&mu_);
  listeners_.erase(id);
}

void SvidStore::Notify(const AgentState& state) {
  std::vector<std::shared_ptr<const Listener>> listeners;
  {
    MutexLock lock(&mu_);
    for (const auto& [id, listener] : listeners_) listeners.push_back(listener);
  }
  for (const auto& listener : listeners) (*listener)(state);
}

}  // namespace svidd::agent
