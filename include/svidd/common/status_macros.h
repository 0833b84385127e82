// Helpers for propagating absl::Status / absl::StatusOr without boilerplate.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

#define SVIDD_STATUS_CONCAT_INNER(a, b) a##b
#define SVIDD_STATUS_CONCAT(a, b) SVIDD_STATUS_CONCAT_INNER(a, b)

// Returns from the current function if `expr` (an absl::Status) is not OK.
#define SVIDD_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::absl::Status svidd_status_ = (expr);         \
    if (!svidd_status_.ok()) return svidd_status_; \
  } while (0)

// `lhs = value of expr` (an absl::StatusOr<T>), or return its status if not OK.
#define SVIDD_ASSIGN_OR_RETURN(lhs, expr) \
  SVIDD_ASSIGN_OR_RETURN_IMPL(SVIDD_STATUS_CONCAT(svidd_statusor_, __LINE__), lhs, expr)

#define SVIDD_ASSIGN_OR_RETURN_IMPL(statusor, lhs, expr) \
  auto statusor = (expr);                                \
  if (!statusor.ok()) return statusor.status();          \
  lhs = std::move(statusor).value()

namespace svidd {

// `status` with "<context>: " before its message; its code and payloads (a refusal's reason)
// stay. OK stays OK.
inline absl::Status WithContext(absl::string_view context, const absl::Status& status) {
  if (status.ok()) return status;
  absl::Status out(status.code(), absl::StrCat(context, ": ", status.message()));
  status.ForEachPayload([&out](absl::string_view type_url, const absl::Cord& payload) {
    out.SetPayload(type_url, payload);
  });
  return out;
}

}  // namespace svidd
