#include "svidd/agent/expiry_alarm.h"

#include <algorithm>

namespace svidd::agent {

using std::chrono::nanoseconds;

ExpiryLevel ClassifyExpiry(TimePoint now, TimePoint not_before, TimePoint not_after) {
  if (now >= not_after) return ExpiryLevel::kExpired;
  const nanoseconds lifetime = not_after - not_before;
  const nanoseconds left = not_after - now;
  if (left * 10 < lifetime) return ExpiryLevel::kCritical;
  if (left * 4 < lifetime) return ExpiryLevel::kLow;
  return ExpiryLevel::kFresh;
}

const char* ExpiryLevelName(ExpiryLevel level) {
  switch (level) {
    case ExpiryLevel::kFresh:
      return "fresh";
    case ExpiryLevel::kLow:
      return "low";
    case ExpiryLevel::kCritical:
      return "critical";
    case ExpiryLevel::kExpired:
      return "expired";
  }
  return "unknown";
}

nanoseconds ExpiryAlarm::RepeatEvery(ExpiryLevel level, nanoseconds lifetime) const {
  nanoseconds cap = options_.low_every;
  if (level == ExpiryLevel::kCritical) cap = options_.critical_every;
  if (level == ExpiryLevel::kExpired) cap = options_.expired_every;
  const nanoseconds scaled = std::max<nanoseconds>(lifetime / 20, std::chrono::seconds(1));
  return std::min(cap, scaled);
}

std::optional<ExpiryWarning> ExpiryAlarm::Check(TimePoint now, TimePoint not_before,
                                                TimePoint not_after) {
  if (not_before != cert_not_before_ || not_after != cert_not_after_) {
    cert_not_before_ = not_before;
    cert_not_after_ = not_after;
    last_level_ = ExpiryLevel::kFresh;
    last_warning_.reset();
  }
  const ExpiryLevel level = ClassifyExpiry(now, not_before, not_after);
  if (level == ExpiryLevel::kFresh) return std::nullopt;
  const bool rose = level > last_level_;
  const bool due =
      !last_warning_ || now - *last_warning_ >= RepeatEvery(level, not_after - not_before);
  if (!rose && !due) return std::nullopt;
  last_level_ = level;
  last_warning_ = now;
  return ExpiryWarning{level, std::chrono::duration_cast<std::chrono::seconds>(not_after - now)};
}

}  // namespace svidd::agent
