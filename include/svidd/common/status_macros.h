// Helpers for propagating absl::Status / absl::StatusOr without boilerplate.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

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
