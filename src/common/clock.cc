#include "svidd/common/clock.h"

namespace svidd {

const SystemClock& SystemClock::Instance() {
  static const SystemClock clock;
  return clock;
}

TimePoint FakeClock::Now() const {
  MutexLock lock(&mu_);
  return now_;
}

void FakeClock::Set(TimePoint t) {
  MutexLock lock(&mu_);
  now_ = t;
}

void FakeClock::Advance(std::chrono::nanoseconds d) {
  MutexLock lock(&mu_);
  now_ += std::chrono::duration_cast<TimePoint::duration>(d);
}

}  // namespace svidd
