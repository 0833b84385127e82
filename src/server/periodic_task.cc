#include "server/periodic_task.h"

#include <utility>

namespace svidd::server {

void PeriodicTask::Start(Pass pass) {
  thread_ = std::thread([this, pass = std::move(pass)] { Run(pass); });
}

void PeriodicTask::Wake() {
  {
    MutexLock lock(&mu_);
    woken_ = true;
  }
  cv_.SignalAll();
}

void PeriodicTask::Stop() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
}

void PeriodicTask::Run(const Pass& pass) {
  for (;;) {
    {
      MutexLock lock(&mu_);
      cv_.WaitFor(&mu_, period_, [this] {
        mu_.AssertHeld();
        return stopping_ || woken_;
      });
      woken_ = false;
      if (stopping_) return;
    }
    if (!pass()) return;
  }
}

}  // namespace svidd::server
