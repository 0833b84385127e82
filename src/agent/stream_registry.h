// The open Workload API streams, so shutdown can end each one with OK instead of letting
// gRPC cancel them. Holds weak_ptrs only; a stream removes itself in OnDone. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "svidd/common/mutex.h"

namespace svidd::agent::internal {

class ClosableStream {
 public:
  virtual ~ClosableStream() = default;
  // Ends the stream with OK once no write is in flight. Idempotent.
  virtual void Close() = 0;
};

class StreamRegistry {
 public:
  // The id to Remove with. If CloseAll has run, `stream` is closed at once.
  uint64_t Add(const std::shared_ptr<ClosableStream>& stream);
  void Remove(uint64_t id);
  // Closes every open stream and every stream added later.
  void CloseAll();

 private:
  Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<uint64_t, std::weak_ptr<ClosableStream>> streams_ ABSL_GUARDED_BY(mu_);
};

}  // namespace svidd::agent::internal
