// Establishes the caller's identity from what arrived with the call: a client certificate
// chain from the TLS handshake (checked first when present) or a Kubernetes bearer token.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "svidd/auth/caller_identity.h"
#include "svidd/auth/kubernetes_token_verifier.h"
#include "svidd/common/clock.h"
#include "svidd/pki/authority.h"

namespace svidd::auth {

struct CallCredentials {
  std::optional<std::string> authorization;  // raw `authorization` header value, if any
  std::string peer_cert_chain_pem;           // leaf first; empty if no client certificate
};

// Answers whether a certificate (by serial) has been revoked. The ledger implements it.
class RevocationChecker {
 public:
  virtual ~RevocationChecker() = default;
  // OK(true) if revoked, OK(false) if not revoked or unknown; an error if the check failed.
  virtual absl::StatusOr<bool> IsRevoked(std::string_view serial_hex) const = 0;
};

class Authenticator {
 public:
  // `token_verifier` may be null (token authentication not configured).
  Authenticator(std::string trust_domain, const KubernetesTokenVerifier* token_verifier,
                const RevocationChecker& revocations, const Clock& clock);

  // With a client certificate: it must verify against `authority`'s roots at the clock's time,
  // not be revoked, and carry exactly one URI SAN (a SPIFFE ID in our trust domain with a
  // path); that is the identity. Without one: the `Bearer` token must verify; the identity is
  // spiffe://<td>/ns/<ns>/sa/<sa> from its claims. UNAUTHENTICATED with the reason otherwise
  // (UNAVAILABLE if the revocation check itself failed).
  absl::StatusOr<CallerIdentity> Authenticate(const CallCredentials& credentials,
                                              const pki::Authority& authority) const;

  // Whether the credential `caller` authenticated with earlier still vouches for it now: not
  // past `valid_until` and, for a client certificate, not revoked since. A stream calls this
  // before every CSR. UNAUTHENTICATED saying what lapsed (UNAVAILABLE if the revocation check
  // itself failed).
  absl::Status Recheck(const CallerIdentity& caller) const;

 private:
  absl::StatusOr<CallerIdentity> AuthenticateCertificate(std::string_view chain_pem,
                                                         const pki::Authority& authority) const;
  absl::StatusOr<CallerIdentity> AuthenticateToken(std::string_view authorization) const;

  std::string trust_domain_;
  const KubernetesTokenVerifier* token_verifier_;
  const RevocationChecker& revocations_;
  const Clock& clock_;
};

}  // namespace svidd::auth
