// What an operator may do to the running CA (the admin API calls these): rotate the root or
// the intermediate now, and force re-issuance of everything an intermediate signed.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "svidd/ca/ca_manager.h"

namespace svidd::ca {

class CaOperations {
 public:
  virtual ~CaOperations() = default;
  // Starts a root rotation (FAILED_PRECONDITION if svidd does not hold the root key or one is
  // under way).
  virtual absl::Status RotateRoot() = 0;
  // A new intermediate signs from now on (after a compromise, say).
  virtual absl::Status RotateIntermediate() = 0;
  // Every connected workload holding a certificate from `issuer_serial` is asked to renew at
  // once, past the rate limit. Returns how many streams were reached.
  virtual absl::StatusOr<size_t> Reissue(const std::string& issuer_serial) = 0;
  virtual CaStatus Status() const = 0;
};

}  // namespace svidd::ca
