#include "svidd/ledger/operator_records.h"

#include "svidd/common/time_format.h"

namespace svidd::ledger {

TimePoint RefusalHour(TimePoint t) {
  constexpr int64_t kHour = 3600;
  const int64_t s = ToUnixSeconds(t);
  return FromUnixSeconds(s - ((s % kHour) + kHour) % kHour);
}

int64_t RefusalHourSeconds(TimePoint t) { return ToUnixSeconds(RefusalHour(t)); }

}  // namespace svidd::ledger
