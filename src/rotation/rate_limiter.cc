#include "rotation/rate_limiter.h"

#include <algorithm>

namespace svidd::rotation {

using std::chrono::nanoseconds;

RateLimiter::RateLimiter(int per_second) {
  const int64_t rate = std::max(per_second, 1);
  // Rounded up, so the limiter never lets more than `rate` through per second.
  const int64_t one_second = nanoseconds(std::chrono::seconds(1)).count();
  interval_ = nanoseconds((one_second + rate - 1) / rate);
  tolerance_ = interval_ * (rate - 1);
}

bool RateLimiter::TryAcquire(TimePoint now) {
  const TimePoint tat = tat_ ? std::max(*tat_, now) : now;
  if (tat - tolerance_ > now) return false;
  tat_ = tat + interval_;
  return true;
}

TimePoint RateLimiter::NextAvailable() const {
  return tat_ ? *tat_ - tolerance_ : TimePoint::min();
}

}  // namespace svidd::rotation
