// The OpenSSL-based CSR validator svidd had before the DER walk: the differential test's oracle.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace svidd::testing {

struct ReferenceVerdict {
  std::string spki_der;   // i2d_PUBKEY of the request's key
  std::string key_label;  // KeyDescription::Label()
  std::string uri;        // the one URI SAN
};

// OK with what the request asks for, or INVALID_ARGUMENT (or an internal error) as the old
// validator answered, minus its "CSR refused: " prefix.
absl::StatusOr<ReferenceVerdict> ValidateCsrWithOpenSsl(std::string_view pem);

}  // namespace svidd::testing
