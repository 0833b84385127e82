// The trust bundle's sequence as svidd last published it, read from its state file
// (<data-dir>/trust-bundle.json), for svidctl's local look.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "absl/status/statusor.h"

namespace svidd {

// nullopt if svidd has not published a bundle there yet; DATA_LOSS if the file is unreadable.
absl::StatusOr<std::optional<uint64_t>> ReadTrustBundleSequence(const std::filesystem::path& file);

}  // namespace svidd
