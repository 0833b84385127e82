// X.509 v2 CRLs (RFC 5280 §5) signed by one issuing CA: thisUpdate/nextUpdate, a CRL number,
// the issuer's authorityKeyIdentifier, and per entry the revocation date and, when known, a
// reasonCode. Pure mechanism: which certificates are listed, and when a new CRL is due, is the
// caller's decision.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/crypto/ssl_ptr.h"
#include "svidd/pki/revocation_reason.h"

namespace svidd::pki {

struct RevokedCertificate {
  std::string serial_hex;                  // SerialHex form
  TimePoint revoked_at;                    // whole seconds are kept
  std::optional<RevocationReason> reason;  // none: no reasonCode extension
  friend bool operator==(const RevokedCertificate&, const RevokedCertificate&) = default;
};

struct CrlSpec {
  std::vector<RevokedCertificate> revoked;
  TimePoint this_update;
  std::chrono::seconds validity = std::chrono::hours(24);  // nextUpdate - thisUpdate
  uint64_t number = 1;  // cRLNumber; must grow with every CRL the issuer publishes
};

struct Crl {
  crypto::X509CrlPtr crl;
  std::string der;
  std::string pem;  // ends in "\n"
  std::string issuer_serial_hex;
  uint64_t number = 0;
  TimePoint this_update;  // whole seconds, as encoded
  TimePoint next_update;
  std::vector<RevokedCertificate> revoked;  // what it lists: spec.revoked, in that order
};

// Signs with `issuer_key` using the digest that fits it (none for Ed25519), as leaves are.
// FAILED_PRECONDITION if `issuer` has a keyUsage without cRLSign (relying parties would refuse
// the CRL); INVALID_ARGUMENT for a bad serial or a non-positive validity.
absl::StatusOr<Crl> BuildCrl(const X509* issuer, const EVP_PKEY* issuer_key, const CrlSpec& spec);

// The path under which the CRL of the CA with serial `issuer_serial_hex` is published, and
// which the CRL distribution point of its leaves names: "/crl/<issuer_serial_hex>.crl".
std::string CrlPath(std::string_view issuer_serial_hex);

// Checks a base URL under which CRLs are published (AuthorityOptions::crl_url_base):
// "http://" or "https://" and a host, printable ASCII without spaces, no query or fragment,
// no trailing '/'. INVALID_ARGUMENT saying which rule it breaks.
absl::Status ValidateCrlUrlBase(std::string_view base);

// The CRL number of `crl`, nullopt if it has none or it does not fit 64 bits.
std::optional<uint64_t> CrlNumber(const X509_CRL* crl);

}  // namespace svidd::pki
