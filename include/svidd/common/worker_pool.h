// A fixed set of threads running posted tasks in order of arrival. Keeps CPU-heavy work
// (signing) off gRPC's I/O threads. The queue may be bounded, so a burst larger than the
// workers can take is refused at once instead of piling up behind them.
#pragma once

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "svidd/common/mutex.h"

namespace svidd {

class WorkerPool {
 public:
  // threads <= 0: one per core. max_queued: tasks waiting for a worker at most (0: no bound).
  explicit WorkerPool(int threads, size_t max_queued = 0);
  ~WorkerPool();  // Stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // OK if `task` was queued; else it is not run, and the status says why: RESOURCE_EXHAUSTED
  // (Refusal::kQueueFull) when max_queued tasks are already waiting, UNAVAILABLE
  // (Refusal::kShuttingDown) once Stop() has begun.
  absl::Status Submit(std::function<void()> task);
  // Submit(), as a bool.
  bool Post(std::function<void()> task) { return Submit(std::move(task)).ok(); }
  // Runs every task already posted, then joins the threads. Idempotent.
  void Stop();
  size_t size() const { return threads_.size(); }
  size_t queued() const;

 private:
  void Run();
  const size_t max_queued_;
  mutable Mutex mu_;
  CondVar work_;  // a task was posted, or Stop() began
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Written by the constructor and Stop() only (Stop is called by the owner, not by workers).
  std::vector<std::thread> threads_;
};

}  // namespace svidd
