#include "svidctl/command_args.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "svidd/common/time_format.h"

namespace svidctl {

absl::StatusOr<svidd::TimePoint> ParseTimeArg(const std::string& flag, const std::string& text,
                                              svidd::TimePoint now) {
  if (absl::StatusOr<svidd::TimePoint> t = svidd::ParseRfc3339(text); t.ok()) return *t;
  if (absl::StatusOr<std::chrono::seconds> ago = svidd::ParseDuration(text); ago.ok()) {
    return now - *ago;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      flag, ": \"", text,
      "\" is neither an RFC 3339 time (2026-12-01T08:00:00Z) nor a duration ago (24h, 7d)"));
}

absl::StatusOr<std::chrono::seconds> ParsePositiveDuration(const std::string& flag,
                                                           const std::string& text) {
  absl::StatusOr<std::chrono::seconds> d = svidd::ParseDuration(text);
  if (!d.ok()) return absl::InvalidArgumentError(absl::StrCat(flag, ": ", d.status().message()));
  if (*d <= std::chrono::seconds(0)) {
    return absl::InvalidArgumentError(absl::StrCat(flag, " must be positive, got \"", text, "\""));
  }
  return d;
}

std::string LocalUser() {
  const char* user = std::getenv("USER");
  return user != nullptr && *user != '\0' ? user : "unknown";
}

}  // namespace svidctl
