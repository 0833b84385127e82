// Time source. Every piece of logic that reads the time takes a Clock, so tests move time
// forward without sleeping.
#pragma once

#include <chrono>
#include <mutex>

#include "svidd/common/mutex.h"

namespace svidd {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

// The wall clock.
class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
  // Process-wide instance; stateless, so sharing it is safe.
  static const SystemClock& Instance();
};

// A clock that only moves when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start) : now_(start) {}
  TimePoint Now() const override;
  void Set(TimePoint t);
  void Advance(std::chrono::nanoseconds d);

 private:
  mutable Mutex mu_;
  TimePoint now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace svidd
