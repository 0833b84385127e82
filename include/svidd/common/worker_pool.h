// A fixed set of threads running posted tasks in order of arrival. Keeps CPU-heavy work
// (signing) off gRPC's I/O threads.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace svidd {

class WorkerPool {
 public:
  explicit WorkerPool(int threads);  // threads <= 0: one per core
  ~WorkerPool();                     // Stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False (and the task is not run) once Stop() has begun.
  bool Post(std::function<void()> task);
  // Runs every task already posted, then joins the threads. Idempotent.
  void Stop();
  size_t size() const { return threads_.size(); }

 private:
  void Run();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace svidd
