// SHA-256 of bytes, for content digests (ledger, bundle state, fingerprints).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace svidd {

// 32 raw bytes.
absl::StatusOr<std::string> Sha256(std::string_view data);
// 64 lowercase hex digits.
absl::StatusOr<std::string> Sha256Hex(std::string_view data);

}  // namespace svidd
