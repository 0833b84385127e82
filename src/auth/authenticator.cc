// Client certificate first (when the handshake carried one), else a Kubernetes bearer token.
// A presented certificate is the whole answer: if it fails, the call fails, with its reason.
#include "svidd/auth/authenticator.h"

#include <cctype>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "svidd/common/refusal.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"

namespace svidd::auth {
namespace {

constexpr std::string_view kBearer = "bearer";
constexpr char kX509Principal[] = "x509:";

absl::Status RefuseCertificate(std::string_view what) {
  return Refuse(Refusal::kClientCertificate, what);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// The token of "Bearer <token>" (scheme case-insensitive, RFC 7235); never echoes the value.
absl::StatusOr<std::string_view> BearerToken(std::string_view header) {
  size_t space = header.find(' ');
  if (space == std::string_view::npos || !EqualsIgnoreCase(header.substr(0, space), kBearer)) {
    return Refuse(Refusal::kAuthorizationHeader, "authorization header must be 'Bearer <token>'");
  }
  std::string_view token = header.substr(space + 1);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty())
    return Refuse(Refusal::kAuthorizationHeader, "authorization header has an empty bearer token");
  return token;
}

// The identity a verified leaf names: exactly one URI SAN, a SPIFFE ID with a path in
// `trust_domain`.
absl::StatusOr<spiffe::SpiffeId> CertificateIdentity(const X509* leaf,
                                                     const std::string& trust_domain) {
  if (crypto::IsCaCertificate(leaf))
    return RefuseCertificate("client certificate is a CA certificate");
  std::vector<std::string> uris = crypto::UriSans(leaf);
  if (uris.size() != 1) {
    return RefuseCertificate(
        absl::StrCat("client certificate must carry exactly one URI SAN, it has ", uris.size()));
  }
  auto id = spiffe::SpiffeId::Parse(uris.front());
  if (!id.ok()) {
    return RefuseCertificate(absl::StrCat("client certificate URI SAN is not a SPIFFE ID: ",
                                          std::string(id.status().message())));
  }
  if (id->trust_domain() != trust_domain) {
    return RefuseCertificate(absl::StrCat("client certificate is for trust domain \"",
                                          id->trust_domain(), "\", not \"", trust_domain, "\""));
  }
  if (!id->has_path()) return RefuseCertificate("client certificate SPIFFE ID has no path");
  return *std::move(id);
}

}  // namespace

Authenticator::Authenticator(std::string trust_domain,
                             const KubernetesTokenVerifier* token_verifier,
                             const RevocationChecker& revocations, const Clock& clock)
    : trust_domain_(std::move(trust_domain)),
      token_verifier_(token_verifier),
      revocations_(revocations),
      clock_(clock) {}

absl::StatusOr<CallerIdentity> Authenticator::Authenticate(const CallCredentials& credentials,
                                                           const pki::Authority& authority) const {
  if (!credentials.peer_cert_chain_pem.empty()) {
    return AuthenticateCertificate(credentials.peer_cert_chain_pem, authority);
  }
  if (credentials.authorization.has_value() && !credentials.authorization->empty()) {
    return AuthenticateToken(*credentials.authorization);
  }
  return Refuse(Refusal::kNoCredentials,
                "no credentials: send a client certificate or 'authorization: Bearer <token>'");
}

absl::StatusOr<CallerIdentity> Authenticator::AuthenticateCertificate(
    std::string_view chain_pem, const pki::Authority& authority) const {
  auto chain = crypto::ParseCertificatesPem(chain_pem);
  if (!chain.ok()) {
    return RefuseCertificate(absl::StrCat("client certificate chain does not parse: ",
                                          std::string(chain.status().message())));
  }
  const X509* leaf = chain->front().get();
  std::vector<X509*> untrusted;
  for (size_t i = 1; i < chain->size(); ++i) untrusted.push_back((*chain)[i].get());
  if (auto verified = authority.VerifyClientCertificate(leaf, untrusted, clock_.Now());
      !verified.ok()) {
    // The message already names the certificate and the reason; the refusal says whether
    // it had expired.
    return WithRefusal(absl::UnauthenticatedError(verified.message()),
                       RefusalOf(verified).value_or(Refusal::kClientCertificate));
  }
  SVIDD_ASSIGN_OR_RETURN(spiffe::SpiffeId id, CertificateIdentity(leaf, trust_domain_));
  std::string serial = crypto::SerialHex(leaf);
  auto revoked = revocations_.IsRevoked(serial);
  if (!revoked.ok()) {
    return Refuse(Refusal::kRevocationCheck,
                  absl::StrCat("revocation check failed: ", revoked.status().message()));
  }
  if (*revoked) {
    return Refuse(Refusal::kRevokedCertificate,
                  absl::StrCat("client certificate ", serial, " has been revoked"));
  }
  return CallerIdentity{std::move(id), AuthMethod::kClientCertificate,
                        absl::StrCat(kX509Principal, serial), crypto::NotAfter(leaf)};
}

absl::StatusOr<CallerIdentity> Authenticator::AuthenticateToken(
    std::string_view authorization) const {
  SVIDD_ASSIGN_OR_RETURN(std::string_view token, BearerToken(authorization));
  if (token_verifier_ == nullptr) {
    return Refuse(Refusal::kTokenAuthOff, "token authentication is not configured (--jwks-file)");
  }
  SVIDD_ASSIGN_OR_RETURN(KubernetesTokenClaims claims, token_verifier_->Verify(token));
  auto id = spiffe::SpiffeId::ForServiceAccount(trust_domain_, claims.namespace_name,
                                                claims.service_account);
  if (!id.ok()) {
    return Refuse(Refusal::kToken, absl::StrCat("token service account cannot form a SPIFFE ID: ",
                                                std::string(id.status().message())));
  }
  return CallerIdentity{*std::move(id), AuthMethod::kKubernetesToken, std::move(claims.subject),
                        claims.expiry};
}

absl::Status Authenticator::Recheck(const CallerIdentity& caller) const {
  const bool by_certificate = caller.method == AuthMethod::kClientCertificate;
  if (clock_.Now() >= caller.valid_until) {
    return Refuse(by_certificate ? Refusal::kExpiredCertificate : Refusal::kExpiredToken,
                  absl::StrCat(by_certificate ? "the client certificate" : "the token",
                               " this stream authenticated with "
                               "expired at ",
                               FormatRfc3339(caller.valid_until),
                               "; reconnect with your current certificate (or a fresh token)"));
  }
  if (!by_certificate) return absl::OkStatus();
  std::string serial = caller.principal;
  if (serial.starts_with(kX509Principal)) serial.erase(0, sizeof(kX509Principal) - 1);
  auto revoked = revocations_.IsRevoked(serial);
  if (!revoked.ok()) {
    return Refuse(Refusal::kRevocationCheck,
                  absl::StrCat("revocation check failed: ", revoked.status().message()));
  }
  if (*revoked) {
    return Refuse(Refusal::kRevokedCertificate,
                  absl::StrCat("the client certificate this stream authenticated with (", serial,
                               ") has been revoked"));
  }
  return absl::OkStatus();
}

}  // namespace svidd::auth
