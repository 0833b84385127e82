#include "svidd/operator/operator_input.h"

#include "absl/strings/str_cat.h"
#include "svidd/crypto/x509_fields.h"

namespace svidd::ops {

absl::StatusOr<std::string> ParseOperatorSerial(std::string_view text, std::string_view what) {
  absl::StatusOr<std::string> serial = crypto::NormalizeSerialHex(text);
  if (!serial.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", std::string(text), "\" is not a ", std::string(what),
                     " (expected hex such as 5a3f09 or 5A:3F:09): ", serial.status().message()));
  }
  return serial;
}

}  // namespace svidd::ops
