#include "agent/stream_registry.h"

#include <vector>

namespace svidd::agent::internal {

uint64_t StreamRegistry::Add(const std::shared_ptr<ClosableStream>& stream) {
  uint64_t id = 0;
  bool closed = false;
  {
    MutexLock lock(&mu_);
    id = next_id_++;
    streams_[id] = stream;
    closed = closed_;
  }
  if (closed) stream->Close();
  return id;
}

void StreamRegistry::Remove(uint64_t id) {
  MutexLock lock(&mu_);
  streams_.erase(id);
}

void StreamRegistry::CloseAll() {
  std::vector<std::shared_ptr<ClosableStream>> open;
  {
    MutexLock lock(&mu_);
    closed_ = true;
    for (const auto& [id, weak] : streams_) {
      if (auto stream = weak.lock()) open.push_back(std::move(stream));
    }
  }
  for (const auto& stream : open) stream->Close();
}

}  // namespace svidd::agent::internal
