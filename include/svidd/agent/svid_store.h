// The agent's current state (SVID and trust bundle) and who is told when it changes: the
// file output, the Workload API streams. One writer (the rotation client) and many readers.
// Thread-safe.
//
// Listeners are called on the updating thread, after the state changed, one update at a
// time and in order, outside the state lock: a listener may call Current(), Subscribe and
// Unsubscribe, but must not update the store. A listener may be called once more after
// Unsubscribe returns, so listeners that can go away (a stream) capture a weak_ptr. Updates that
// change nothing (the same bundle pushed again) notify nobody.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "svidd/agent/x509_bundle.h"
#include "svidd/agent/x509_svid.h"
#include "svidd/common/mutex.h"

namespace svidd::agent {

struct AgentState {
  std::shared_ptr<const X509Svid> svid;      // null until the first SVID
  std::shared_ptr<const X509Bundle> bundle;  // null until the first bundle
  uint64_t version = 0;                      // increases on every change
  bool closed = false;                       // the agent is shutting down
};

class SvidStore {
 public:
  using Listener = std::function<void(const AgentState&)>;

  AgentState Current() const;

  // False (and no one is notified) if nothing changed.
  bool SetSvid(std::shared_ptr<const X509Svid> svid);
  bool SetBundle(std::shared_ptr<const X509Bundle> bundle);
  // Both at once, one notification (the state loaded from disk at start).
  void SetBoth(std::shared_ptr<const X509Svid> svid, std::shared_ptr<const X509Bundle> bundle);
  // Marks the state closed and notifies: streams end. Later updates are ignored.
  void Close();

  uint64_t Subscribe(Listener listener);
  void Unsubscribe(uint64_t id);

 private:
  void Notify(const AgentState& state);

  Mutex notify_mu_;  // held by updates across state change and notification
  mutable Mutex mu_;
  AgentState state_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, std::shared_ptr<const Listener>> listeners_ ABSL_GUARDED_BY(mu_);
  uint64_t next_listener_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace svidd::agent
