#include "svidd/common/worker_pool.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "svidd/common/refusal.h"

namespace svidd {

WorkerPool::WorkerPool(int threads, size_t max_queued) : max_queued_(max_queued) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

WorkerPool::~WorkerPool() { Stop(); }

absl::Status WorkerPool::Submit(std::function<void()> task) {
  MutexLock lock(&mu_);
  if (stopping_) return Refuse(Refusal::kShuttingDown, "svidd is shutting down");
  if (max_queued_ != 0 && tasks_.size() >= max_queued_) {
    return Refuse(Refusal::kQueueFull,
                  absl::StrCat("all ", threads_.size(), " signing workers are busy and ",
                               max_queued_, " requests are waiting; retry in a moment"));
  }
  tasks_.push_back(std::move(task));
  work_.Signal();
  return absl::OkStatus();
}

size_t WorkerPool::queued() const {
  MutexLock lock(&mu_);
  return tasks_.size();
}

void WorkerPool::Stop() {
  {
    MutexLock lock(&mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    work_.SignalAll();
  }
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void WorkerPool::Run() {
  for (;;) {
    std::function<void()> task;
    {
      MutexLock lock(&mu_);
      work_.Wait(&mu_, [this] {
        mu_.AssertHeld();
        return stopping_ || !tasks_.empty();
      });
      if (tasks_.empty()) return;  // stopping and drained
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace svidd
