// How loudly to complain that the certificate being served is running out without a
// renewal: a pure classification of `now` against its lifetime, and an alarm that says when
// to log again. Repeats get closer together as expiry nears. No clock of its own: every call
// takes `now`. Not thread-safe.
#pragma once

#include <chrono>
#include <optional>

#include "svidd/common/clock.h"

namespace svidd::agent {

enum class ExpiryLevel {
  kFresh,     // a quarter of the lifetime or more left
  kLow,       // less than a quarter left: WARN
  kCritical,  // less than a tenth left: ERROR
  kExpired,   // past not_after: ERROR
};

ExpiryLevel ClassifyExpiry(TimePoint now, TimePoint not_before, TimePoint not_after);
const char* ExpiryLevelName(ExpiryLevel level);

struct ExpiryWarning {
  ExpiryLevel level;
  std::chrono::seconds remaining;  // negative once expired
};

struct ExpiryAlarmOptions {
  // Longest gap between two warnings at each level; short lifetimes repeat sooner
  // (lifetime / 20, at least a second).
  std::chrono::seconds low_every = std::chrono::minutes(5);
  std::chrono::seconds critical_every = std::chrono::minutes(1);
  std::chrono::seconds expired_every = std::chrono::minutes(1);
};

class ExpiryAlarm {
 public:
  explicit ExpiryAlarm(ExpiryAlarmOptions options = {}) : options_(options) {}

  // Call as often as you like with the certificate being served. A warning when the level is
  // above kFresh and either it rose since the last warning for this certificate or the
  // level's repeat interval has passed since then; nullopt otherwise. A different
  // certificate starts afresh.
  std::optional<ExpiryWarning> Check(TimePoint now, TimePoint not_before, TimePoint not_after);

  // The repeat interval for `level` and a certificate of `lifetime`.
  std::chrono::nanoseconds RepeatEvery(ExpiryLevel level, std::chrono::nanoseconds lifetime) const;

 private:
  ExpiryAlarmOptions options_;
  TimePoint cert_not_before_{}, cert_not_after_{};
  ExpiryLevel last_level_ = ExpiryLevel::kFresh;
  std::optional<TimePoint> last_warning_;
};

}  // namespace svidd::agent
