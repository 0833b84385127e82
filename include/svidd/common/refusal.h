// Why svidd refused a request, fixed where the refusal is made. The reason travels with the
// absl::Status as a payload, so whatever wraps, logs or counts the status later (the refusal
// counter, svidd_requests_refused_total{reason}, the ledger's refusal table, the audit log)
// reads the kind from the status and never from its message text.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace svidd {

enum class Refusal {
  kNoCredentials,
  kRevokedCertificate,
  kExpiredCertificate,
  kClientCertificate,  // any other reason a client certificate is not accepted
  kExpiredToken,
  kTokenNotYetValid,
  kTokenAudience,
  kTokenIssuer,
  kTokenSignature,
  kTokenAlgorithm,
  kTokenAuthOff,
  kAuthorizationHeader,
  kToken,  // any other reason a bearer token is not accepted
  kCsr,
  kIdentity,
  kImpersonation,
  kOperatorCredential,
  kProfile,  // the certificate profile could not be built; keeps the builder's own code
  kCaNotReady,
  kLedger,
  kRevocationCheck,
  kShuttingDown,
  kHalted,
  kSigning,
  kRateLimited,
  kQueueFull,
  kCount,  // not a reason: how many there are. Stays last; refusal.cc's table must cover them.
};

// The status code a refusal of this kind carries when Refuse() makes it: the one table from
// reason to code (ToGrpcStatus then maps the code to gRPC's).
absl::StatusCode RefusalCode(Refusal reason);
// Stable, lower-case, dashed name: "expired-token", "ca-not-ready", "queue-full".
std::string_view RefusalName(Refusal reason);

// A new status of RefusalCode(reason) with `message`, carrying `reason`.
absl::Status Refuse(Refusal reason, absl::string_view message);
// The same for the other string types (absl::string_view is not std::string_view here).
inline absl::Status Refuse(Refusal reason, std::string_view message) {
  return Refuse(reason, absl::string_view(message.data(), message.size()));
}
inline absl::Status Refuse(Refusal reason, const std::string& message) {
  return Refuse(reason, absl::string_view(message));
}
inline absl::Status Refuse(Refusal reason, const char* message) {
  return Refuse(reason, absl::string_view(message));
}
// `status` (code and message unchanged) carrying `reason`; OK stays OK. Replaces a reason
// the status already carried.
absl::Status WithRefusal(absl::Status status, Refusal reason);
// The reason `status` carries, if any.
std::optional<Refusal> RefusalOf(const absl::Status& status);

}  // namespace svidd
