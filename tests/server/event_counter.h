// Counts events that happen on another thread and lets a test wait for the n-th, bounded in
// time: a test proves something happened (or, counting what else happened first, that
// something did not) without sleeping.
#pragma once

#include <chrono>

#include "absl/base/thread_annotations.h"
#include "svidd/common/mutex.h"

namespace svidd::testing {

class EventCounter {
 public:
  void Add() {
    {
      MutexLock lock(&mu_);
      ++count_;
    }
    cv_.SignalAll();
  }
  // False if fewer than `n` events came within 30 seconds.
  bool WaitFor(int n) {
    MutexLock lock(&mu_);
    return cv_.WaitFor(&mu_, std::chrono::seconds(30), [&] {
      mu_.AssertHeld();
      return count_ >= n;
    });
  }
  int count() {
    MutexLock lock(&mu_);
    return count_;
  }

 private:
  Mutex mu_;
  CondVar cv_;
  int count_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace svidd::testing
