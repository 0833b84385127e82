// SHA-256, the one hash of the ledger's chain and of public-key fingerprints.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace svidd::crypto {

inline constexpr size_t kSha256Size = 32;

// The 32-byte digest of `data`.
absl::StatusOr<std::string> Sha256(std::string_view data);
// The same as 64 lowercase hex digits.
absl::StatusOr<std::string> Sha256Hex(std::string_view data);

// Lowercase or uppercase hex to bytes. INVALID_ARGUMENT for an odd length or a non-hex digit.
absl::StatusOr<std::string> DecodeHex(std::string_view hex);

}  // namespace svidd::crypto
