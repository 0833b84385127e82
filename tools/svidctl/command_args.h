// What operators type on svidctl's command line: times and durations; and who they are.
#pragma once

#include <chrono>
#include <string>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"

namespace svidctl {

// An RFC 3339 time ("2026-12-01T08:00:00Z"), or a duration meaning that long before `now`
// ("24h", "7d"). INVALID_ARGUMENT naming `flag` otherwise.
absl::StatusOr<svidd::TimePoint> ParseTimeArg(const std::string& flag, const std::string& text,
                                              svidd::TimePoint now);

// A positive duration ("4h", "30m"). INVALID_ARGUMENT naming `flag` otherwise.
absl::StatusOr<std::chrono::seconds> ParsePositiveDuration(const std::string& flag,
                                                           const std::string& text);

// Who is running svidctl ($USER, else "unknown"), for the ledger's record of who asked.
std::string LocalUser();

}  // namespace svidctl
