// Running the real svidctl binary and making the certificates it shows.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"

namespace svidd::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs SVIDCTL_BINARY with `args`; stdout and stderr captured separately.
CommandResult RunSvidctl(const std::vector<std::string>& args);

// A real, self-signed X.509-SVID-shaped certificate (EC P-256, URI SAN `spiffe_id`) with
// the given serial (hex) and validity, as PEM.
absl::StatusOr<std::string> MakeCertificatePem(const std::string& serial_hex,
                                               const std::string& spiffe_id, TimePoint not_before,
                                               TimePoint not_after);

}  // namespace svidd::testing
