// What the fuzzers share: the fixed instant their seeds were made for, and where the
// checked-in fuzzing data lives.
#pragma once

#include <string>

#include "svidd/common/time_format.h"

namespace svidd::fuzzing {

// 2026-01-01T00:00:00Z: the seed tokens are issued then and valid for a year, and the
// fuzzers' clocks stand one minute later, so a run never depends on today's date.
inline TimePoint SeedTime() { return FromUnixSeconds(1767225600); }
inline TimePoint FuzzNow() { return SeedTime() + std::chrono::minutes(1); }

inline constexpr char kSeedIssuer[] = "https://kubernetes.default.svc.cluster.local";
inline constexpr char kSeedAudience[] = "istio-ca";

// tests/fuzz/data/<name> in the source tree.
inline std::string FuzzDataPath(const std::string& name) {
  return std::string(SVIDD_SOURCE_DIR) + "/tests/fuzz/data/" + name;
}

}  // namespace svidd::fuzzing
