// Unpadded base64url (RFC 4648 §5), the encoding of JWS parts and JWK key fields.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace svidd {

// Encodes without '=' padding, as JWS (RFC 7515 §2) requires.
std::string Base64UrlEncode(std::string_view data);

// Strict decoding: only [A-Za-z0-9_-], no padding, no whitespace, and the unused low bits of
// the last character must be zero (one spelling per value). INVALID_ARGUMENT otherwise.
absl::StatusOr<std::string> Base64UrlDecode(std::string_view text);

}  // namespace svidd
