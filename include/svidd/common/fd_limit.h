// The process's open-file limit. gRPC 1.51 stops accepting for good after one accept4()
// EMFILE, so svidd raises its soft limit to the hard limit at start, as Go servers do.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"

namespace svidd {

struct FdLimit {
  uint64_t soft = 0;
  uint64_t hard = 0;
};

// Raises RLIMIT_NOFILE's soft limit to its hard limit; the limits now in force.
absl::StatusOr<FdLimit> RaiseFdLimitToHard();

}  // namespace svidd
