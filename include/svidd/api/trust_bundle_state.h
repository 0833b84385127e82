// The trust bundle's state file (<data-dir>/trust-bundle.json): the sequence number svidd last
// published and the digest of what it numbered. svidd's publisher writes it; svidctl's local
// look reads the sequence from it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace svidd::api {

struct TrustBundleState {
  uint64_t sequence = 0;
  std::string digest;  // of the roots and CRLs that sequence numbered
};

// A zero state if the file does not exist; DATA_LOSS if it is not a state file.
absl::StatusOr<TrustBundleState> ReadTrustBundleState(const std::filesystem::path& file);
absl::Status WriteTrustBundleState(const std::filesystem::path& file,
                                   const TrustBundleState& state);

// nullopt if svidd has not published a bundle there yet; DATA_LOSS if the file is unreadable.
absl::StatusOr<std::optional<uint64_t>> ReadTrustBundleSequence(const std::filesystem::path& file);

}  // namespace svidd::api
