// RFC 5280 path validation with OpenSSL at a given time: the one place svidd builds an
// X509_STORE. Used for client certificates and for operator-supplied CA material.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "svidd/common/clock.h"
#include "svidd/crypto/ssl_ptr.h"

namespace svidd::pki::internal {

struct ChainCheck {
  const X509* leaf = nullptr;
  std::vector<const X509*> untrusted;  // candidates for intermediates
  const std::vector<crypto::X509Ptr>* roots = nullptr;
  TimePoint at;
  int purpose = 0;              // X509_PURPOSE_*, 0 for none
  int* verify_error = nullptr;  // if set, receives OpenSSL's X509_V_ERR_* when the chain fails
};

// OK, or a status with `code` whose message is "<what>: <OpenSSL's reason> (at depth N,
// subject ...)".
absl::Status VerifyChain(const ChainCheck& check, absl::StatusCode code, const std::string& what);

}  // namespace svidd::pki::internal
