// A thread that runs one pass of some work every period, and at once when woken, until it is
// stopped: svidd's maintenance loop (woken when another replica announces a revocation) and
// its listener self-probe. Passes never overlap; Stop() waits for the one under way.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "svidd/common/mutex.h"

namespace svidd::server {

class PeriodicTask {
 public:
  // One pass of the work; false ends the thread (nothing left to do).
  using Pass = std::function<bool()>;

  explicit PeriodicTask(std::chrono::milliseconds period) : period_(period) {}
  ~PeriodicTask() { Stop(); }
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  // Starts the thread; its first pass runs after one period, or at once if woken. Call once.
  void Start(Pass pass);
  // Runs the next pass now rather than at the end of the period. A wake that comes before
  // Start() or during a pass is kept for the next wait. Safe from any thread.
  void Wake();
  // Lets the pass under way finish, then ends the thread; no pass starts after it returns.
  // Idempotent; call from the owner's thread.
  void Stop();

 private:
  void Run(const Pass& pass);

  const std::chrono::milliseconds period_;
  Mutex mu_;
  CondVar cv_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace svidd::server
