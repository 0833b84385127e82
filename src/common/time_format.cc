#include "svidd/common/time_format.h"

#include <cctype>
#include <cstdio>
#include <ctime>

#include "absl/strings/str_cat.h"

namespace svidd {
namespace {

constexpr int64_t kMinute = 60;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;

}  // namespace

absl::StatusOr<std::chrono::seconds> ParseDuration(std::string_view text_view) {
  const std::string text(text_view);
  std::string_view rest = text_view;
  bool negative = false;
  if (!rest.empty() && (rest.front() == '-' || rest.front() == '+')) {
    negative = rest.front() == '-';
    rest.remove_prefix(1);
  }
  if (rest.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("invalid duration \"", text, "\": empty"));
  }
  double total_ms = 0;
  bool bare_number_only = true;
  while (!rest.empty()) {
    size_t i = 0;
    while (i < rest.size() &&
           (std::isdigit(static_cast<unsigned char>(rest[i])) || rest[i] == '.')) {
      ++i;
    }
    if (i == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid duration \"", text, "\": expected a number at \"", std::string(rest), "\""));
    }
    double value = 0;
    try {
      value = std::stod(std::string(rest.substr(0, i)));
    } catch (...) {
      return absl::InvalidArgumentError(absl::StrCat("invalid duration \"", text, "\""));
    }
    rest.remove_prefix(i);
    size_t j = 0;
    while (j < rest.size() && std::isalpha(static_cast<unsigned char>(rest[j]))) ++j;
    std::string_view unit = rest.substr(0, j);
    rest.remove_prefix(j);
    double ms_per_unit;
    if (unit.empty()) {
      if (!rest.empty() || !bare_number_only) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid duration \"", text, "\": missing unit (ms, s, m, h, d)"));
      }
      ms_per_unit = 1000;
    } else if (unit == "ms") {
      ms_per_unit = 1;
    } else if (unit == "s") {
      ms_per_unit = 1000;
    } else if (unit == "m") {
      ms_per_unit = 1000 * kMinute;
    } else if (unit == "h") {
      ms_per_unit = 1000 * kHour;
    } else if (unit == "d") {
      ms_per_unit = 1000 * kDay;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("invalid duration \"", text,
                                                     "\": unknown unit \"", std::string(unit),
                                                     "\" (use ms, s, m, h, d)"));
    }
    bare_number_only = false;
    total_ms += value * ms_per_unit;
  }
  if (total_ms > 1000.0 * 100 * 365 * kDay) {
    return absl::InvalidArgumentError(absl::StrCat("invalid duration \"", text, "\": too long"));
  }
  auto secs = std::chrono::seconds(static_cast<int64_t>(total_ms / 1000));
  return negative ? -secs : secs;
}

std::string FormatDuration(std::chrono::seconds d) {
  int64_t s = d.count();
  if (s == 0) return "0s";
  std::string out = s < 0 ? "-" : "";
  if (s < 0) s = -s;
  if (s % kDay == 0 && s >= kDay) return absl::StrCat(out, s / kDay, "d");
  if (s >= kHour) absl::StrAppend(&out, s / kHour, "h"), s %= kHour;
  if (s >= kMinute) absl::StrAppend(&out, s / kMinute, "m"), s %= kMinute;
  if (s > 0) absl::StrAppend(&out, s, "s");
  return out;
}

int64_t ToUnixSeconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// TimePoint counts nanoseconds in 64 bits (years 1677-2262); seconds beyond that come only
// from outside (an admin request's evaluated_at, a filter bound) and saturate instead of
// overflowing (found by the admin_request fuzzer).
TimePoint FromUnixSeconds(int64_t s) {
  constexpr int64_t kMax =
      std::chrono::duration_cast<std::chrono::seconds>(TimePoint::duration::max()).count();
  constexpr int64_t kMin =
      std::chrono::duration_cast<std::chrono::seconds>(TimePoint::duration::min()).count();
  if (s >= kMax) return TimePoint::max();
  if (s <= kMin) return TimePoint::min();
  return TimePoint(std::chrono::seconds(s));
}

std::string FormatRfc3339(TimePoint t) {
  std::time_t tt = static_cast<std::time_t>(ToUnixSeconds(t));
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

absl::StatusOr<TimePoint> ParseRfc3339(std::string_view text) {
  std::tm tm{};
  int consumed = 0;
  std::string s(text);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      consumed != static_cast<int>(s.size())) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid time \"", s, "\": expected RFC 3339 UTC like 2026-01-02T15:04:05Z"));
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return FromUnixSeconds(timegm(&tm));
}

std::string FormatRelative(TimePoint t, TimePoint now) {
  int64_t diff = ToUnixSeconds(t) - ToUnixSeconds(now);
  bool future = diff > 0;
  int64_t a = future ? diff : -diff;
  if (a < 5) return "now";
  std::string amount;
  if (a < kMinute) {
    amount = absl::StrCat(a, "s");
  } else if (a < kHour) {
    amount = absl::StrCat(a / kMinute, "m");
  } else if (a < 2 * kDay) {
    amount = absl::StrCat(a / kHour, "h");
  } else {
    amount = absl::StrCat(a / kDay, "d");
  }
  return future ? absl::StrCat("in ", amount) : absl::StrCat(amount, " ago");
}

}  // namespace svidd
