// Running the real svidctl binary and making the certificates it shows.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "support/fleet/test_records.h"
#include "svidd/common/clock.h"
#include "svidd/ledger/certificate_record.h"
#include "svidd/pki/authority.h"

namespace svidd::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs SVIDCTL_BINARY with `args`; stdout and stderr captured separately.
CommandResult RunSvidctl(const std::vector<std::string>& args);

}  // namespace svidd::testing
