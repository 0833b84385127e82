// RFC 5280 §5.3.1 revocation reasons, and reading one out of an operator's free-text reason
// ("key compromise", "keyCompromise: laptop stolen"). Only the codes a full CRL from svidd may
// carry: unspecified (0) is left out because RFC 5280 asks for no reasonCode extension instead,
// removeFromCRL (8) because it belongs to delta CRLs.
#pragma once

#include <optional>
#include <string_view>

namespace svidd::pki {

enum class RevocationReason {
  kKeyCompromise = 1,
  kCaCompromise = 2,
  kAffiliationChanged = 3,
  kSuperseded = 4,
  kCessationOfOperation = 5,
  kCertificateHold = 6,
  kPrivilegeWithdrawn = 9,
  kAaCompromise = 10,
};

// The RFC 5280 spelling: "keyCompromise", "cACompromise", ...
const char* RevocationReasonName(RevocationReason reason);

// The reason `text` starts with, if any. Case and every non-letter are ignored, so
// "Key compromise", "key-compromise", "KEY_COMPROMISE" and "keyCompromise: laptop stolen" all
// mean keyCompromise. No reason is a prefix of another, so at most one matches. Anything else
// (including "unspecified" and "") yields nullopt: the CRL entry then carries no reason.
std::optional<RevocationReason> RevocationReasonFromText(std::string_view text);

}  // namespace svidd::pki
