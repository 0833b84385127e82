// Running the real svidctl binary and making the certificates it shows.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
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

// A record as the server would write it: a fresh EC P-256 key, a leaf signed by
// `authority` with the given serial (hex, at most 16 bytes) and validity, and every
// ledger field filled from the real certificate.
absl::StatusOr<CertificateRecord> IssueRecord(const Authority& authority,
                                              const std::string& serial_hex,
                                              const std::string& spiffe_id, TimePoint issued_at,
                                              TimePoint not_after);

}  // namespace svidd::testing
