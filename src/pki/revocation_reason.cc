#include "svidd/pki/revocation_reason.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace svidd::pki {
namespace {

struct KnownReason {
  RevocationReason reason;
  const char* name;        // RFC 5280 spelling
  const char* normalized;  // lowercase letters only
};

constexpr KnownReason kReasons[] = {
    {RevocationReason::kKeyCompromise, "keyCompromise", "keycompromise"},
    {RevocationReason::kCaCompromise, "cACompromise", "cacompromise"},
    {RevocationReason::kAffiliationChanged, "affiliationChanged", "affiliationchanged"},
    {RevocationReason::kSuperseded, "superseded", "superseded"},
    {RevocationReason::kCessationOfOperation, "cessationOfOperation", "cessationofoperation"},
    {RevocationReason::kCertificateHold, "certificateHold", "certificatehold"},
    {RevocationReason::kPrivilegeWithdrawn, "privilegeWithdrawn", "privilegewithdrawn"},
    {RevocationReason::kAaCompromise, "aACompromise", "aacompromise"},
};

// `text` lowercased, letters only.
std::string LettersOnly(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (absl::ascii_isalpha(static_cast<unsigned char>(c))) {
      out.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

}  // namespace

const char* RevocationReasonName(RevocationReason reason) {
  for (const KnownReason& known : kReasons) {
    if (known.reason == reason) return known.name;
  }
  return "unknown";
}

std::optional<RevocationReason> RevocationReasonFromText(std::string_view text) {
  const std::string letters = LettersOnly(text);
  for (const KnownReason& known : kReasons) {
    if (absl::StartsWith(letters, known.normalized)) return known.reason;
  }
  return std::nullopt;
}

}  // namespace svidd::pki
