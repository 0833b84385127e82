// What operators type, read the same way by svidctl and by the admin API.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace svidd::ops {

// A serial in any operator spelling ("5a3f09", "5A:3F:09", "0x5a3f09") in SerialHex form.
// INVALID_ARGUMENT: "\"xyz\" is not a <what> (expected hex such as 5a3f09 or 5A:3F:09): ..."
absl::StatusOr<std::string> ParseOperatorSerial(std::string_view text,
                                                std::string_view what = "certificate serial");

}  // namespace svidd::ops
