// Durations ("24h", "90m", "1h30m", "20s") and RFC 3339 timestamps, the two ways time is
// written by people and scripts.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"

namespace svidd {

// Parses a Go-style duration: one or more <number><unit> with units ms, s, m, h, d.
// A bare number is seconds. "0" is zero. Negative durations are allowed ("-1s").
absl::StatusOr<std::chrono::seconds> ParseDuration(std::string_view text);

// "24h", "1h30m", "45s": the shortest exact rendering.
std::string FormatDuration(std::chrono::seconds d);

// "2026-11-22T08:09:53Z" (UTC, whole seconds).
std::string FormatRfc3339(TimePoint t);
absl::StatusOr<TimePoint> ParseRfc3339(std::string_view text);

// "in 3h", "2d ago", "now": for tables read by people.
std::string FormatRelative(TimePoint t, TimePoint now);

// `t` rounded down to a whole second, the precision X.509 and the ledger keep.
inline TimePoint WholeSeconds(TimePoint t) { return std::chrono::floor<std::chrono::seconds>(t); }

// Seconds since the Unix epoch, and back.
int64_t ToUnixSeconds(TimePoint t);
TimePoint FromUnixSeconds(int64_t s);

}  // namespace svidd
