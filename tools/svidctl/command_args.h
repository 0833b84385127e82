// What operators type on svidctl's command line: times, durations, certificate kinds.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/ledger/certificate_record.h"

namespace svidctl {

// An RFC 3339 time ("2026-12-01T08:00:00Z"), or a duration meaning that long before `now`
// ("24h", "7d"). INVALID_ARGUMENT naming `flag` otherwise.
absl::StatusOr<svidd::TimePoint> ParseTimeArg(const std::string& flag, const std::string& text,
                                              svidd::TimePoint now);

// A positive duration ("4h", "30m"). INVALID_ARGUMENT naming `flag` otherwise.
absl::StatusOr<std::chrono::seconds> ParsePositiveDuration(const std::string& flag,
                                                           const std::string& text);

// "workload", "server", "intermediate"; nullopt for "" (no filter). The flag's own check
// has already refused anything else.
std::optional<svidd::CertKind> CertKindArg(const std::string& name);

// Who is running svidctl ($USER, else "unknown"), for the ledger's record of who asked.
std::string LocalUser();

}  // namespace svidctl
