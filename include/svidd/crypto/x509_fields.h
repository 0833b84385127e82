// Reading fields out of certificates: serials, names, validity, extensions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/crypto/ssl_ptr.h"

namespace svidd::crypto {

// The serial number as lowercase hex without separators, e.g. "5a3f09...". This is the one
// spelling used in the ledger, logs and CLI output.
std::string SerialHex(const X509* cert);
std::string SerialHex(const ASN1_INTEGER* serial);
// Normalises what an operator typed ("5A:3F:09", "0x5a3f09", "5A3F09") to SerialHex form.
// INVALID_ARGUMENT if it is not hex.
absl::StatusOr<std::string> NormalizeSerialHex(std::string_view text);

TimePoint NotBefore(const X509* cert);
TimePoint NotAfter(const X509* cert);

std::vector<std::string> UriSans(const X509* cert);
std::vector<std::string> DnsSans(const X509* cert);
// The URIs among the full names of the cRLDistributionPoints extension, in order.
std::vector<std::string> CrlDistributionPointUris(const X509* cert);
// One-line RFC 2253 rendering of the subject / issuer ("" for an empty name).
std::string SubjectString(const X509* cert);
std::string IssuerString(const X509* cert);

bool IsCaCertificate(const X509* cert);  // basicConstraints cA=true
bool IsSelfSigned(const X509* cert);     // subject == issuer and the signature verifies
// Lowercase hex of the subjectKeyIdentifier, "" if absent.
std::string SubjectKeyIdHex(const X509* cert);

}  // namespace svidd::crypto
