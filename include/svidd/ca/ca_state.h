// What svidd must remember about its own CAs between runs, beyond the certificate files:
// where a root rotation stands and which retired intermediates it still keeps (their leaves
// may still be valid, so their CRLs must still be signed). <data-dir>/ca-state.json.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/pki/ca_rotation_policy.h"

namespace svidd::ca {

struct RetiredSigner {
  std::string serial_hex;
  TimePoint keep_until;  // the last leaf it signed has expired by then
};

struct CaState {
  pki::RootPhase root_phase = pki::RootPhase::kSteady;
  bool rotation_requested = false;
  TimePoint published_at{};                // kPublished
  std::string old_root_serial;             // kSwitched
  TimePoint old_root_dependents_expire{};  // kSwitched
  std::vector<RetiredSigner> retired;
};

// A missing file is the default state; an unreadable one is DATA_LOSS naming it.
absl::StatusOr<CaState> ReadCaState(const std::filesystem::path& file);
absl::Status WriteCaState(const std::filesystem::path& file, const CaState& state);

}  // namespace svidd::ca
