// One server stream of the Workload API: sends the rendered current state of the store at
// once (or as soon as there is one), again on every change, and ends with OK when the store
// or the server closes. Writes are never queued: while one is in flight, changes only mark
// the stream dirty and the latest state is rendered when the write completes, so a slow
// reader gets fewer, never stale, updates. A render that equals the last one sent is skipped.
//
// Lifetime: the stream owns itself (self_) from Open until OnDone; the store and the
// registry hold weak_ptrs. Finish is never called with mu_ held, since gRPC may run OnDone
// inline.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "agent/stream_registry.h"
#include "svidd/agent/svid_store.h"
#include "svidd/common/mutex.h"

namespace svidd::agent::internal {

template <typename Response>
class StateStream final : public grpc::ServerWriteReactor<Response>, public ClosableStream {
 public:
  // nullopt while there is nothing to send yet (no SVID).
  using Render = std::function<std::optional<Response>(const AgentState&)>;

  static grpc::ServerWriteReactor<Response>* Open(SvidStore& store, StreamRegistry& registry,
                                                  Render render) {
    auto stream = std::shared_ptr<StateStream>(new StateStream(store, registry, std::move(render)));
    stream->self_ = stream;
    std::weak_ptr<StateStream> weak = stream;
    stream->listener_ = store.Subscribe([weak](const AgentState&) {
      if (auto alive = weak.lock()) alive->Poke();
    });
    stream->registry_id_ = registry.Add(stream);  // closes it at once if the server is closing
    stream->Poke();
    return stream.get();
  }

  void Close() override {
    {
      MutexLock lock(&mu_);
      closing_ = true;
      if (writing_ || finished_) return;  // OnWriteDone finishes
      finished_ = true;
    }
    this->Finish(grpc::Status::OK);
  }

  void OnWriteDone(bool ok) override {
    {
      MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) closing_ = true;  // the client is gone
      if (!closing_ && dirty_) {
        dirty_ = false;
        if (StartWriteLocked()) return;
      }
      if (!closing_ || finished_) return;
      finished_ = true;
    }
    this->Finish(grpc::Status::OK);
  }

  void OnCancel() override { Close(); }

  void OnDone() override {
    store_.Unsubscribe(listener_);
    registry_.Remove(registry_id_);
    self_.reset();  // may destroy this
  }

 private:
  StateStream(SvidStore& store, StreamRegistry& registry, Render render)
      : store_(store), registry_(registry), render_(std::move(render)) {}

  void Poke() {
    bool finish = false;
    {
      MutexLock lock(&mu_);
      if (finished_ || closing_) return;
      if (writing_) {
        dirty_ = true;
        return;
      }
      if (StartWriteLocked() || !closing_) return;
      finish = !finished_;
      finished_ = true;
    }
    if (finish) this->Finish(grpc::Status::OK);
  }

  // Renders the current state and starts writing it if it is new; true if a write started.
  // Sets closing_ if the store is closed.
  bool StartWriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    AgentState state = store_.Current();
    if (state.closed) {
      closing_ = true;
      return false;
    }
    std::optional<Response> response = render_(state);
    if (!response) return false;
    std::string bytes = response->SerializeAsString();
    if (bytes == last_sent_) return false;
    last_sent_ = std::move(bytes);
    pending_ = *std::move(response);
    writing_ = true;
    this->StartWrite(&pending_);
    return true;
  }

  SvidStore& store_;
  StreamRegistry& registry_;
  Render render_;
  uint64_t listener_ = 0;
  uint64_t registry_id_ = 0;
  std::shared_ptr<StateStream> self_;

  Mutex mu_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;   // a StartWrite awaits OnWriteDone
  bool dirty_ ABSL_GUARDED_BY(mu_) = false;     // the state changed during that write
  bool closing_ ABSL_GUARDED_BY(mu_) = false;   // finish once no write is in flight
  bool finished_ ABSL_GUARDED_BY(mu_) = false;  // Finish called (or about to be)
  Response pending_ ABSL_GUARDED_BY(mu_);       // the message being written
  std::string last_sent_ ABSL_GUARDED_BY(mu_);
};

}  // namespace svidd::agent::internal
