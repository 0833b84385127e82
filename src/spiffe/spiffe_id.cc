// SPIFFE ID parsing per the SPIFFE-ID standard. Each refusal names the one rule it broke, and
// quotes the input escaped and truncated, since IDs arrive from untrusted CSRs.
#include "svidd/spiffe/spiffe_id.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "svidd/common/status_macros.h"

namespace svidd::spiffe {
namespace {

constexpr char kScheme[] = "spiffe://";
constexpr size_t kSchemeBytes = sizeof(kScheme) - 1;
constexpr size_t kMaxIdBytes = 2048;
constexpr size_t kMaxTrustDomainBytes = 255;
constexpr size_t kMaxQuotedBytes = 128;

std::string Quote(std::string_view text) {
  std::string shown(text.substr(0, kMaxQuotedBytes));
  return absl::StrCat("\"", absl::CHexEscape(shown),
                      text.size() > kMaxQuotedBytes ? "...\"" : "\"");
}

std::string QuoteChar(char c) {
  return absl::StrCat("'", absl::CHexEscape(std::string(1, c)), "'");
}

bool IsTrustDomainChar(char c) {
  return absl::ascii_islower(static_cast<unsigned char>(c)) ||
         absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
}

bool IsPathChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
}

absl::Status CheckTrustDomain(std::string_view td) {
  if (td.empty()) return absl::InvalidArgumentError("trust domain is empty");
  if (td.size() > kMaxTrustDomainBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("trust domain is ", td.size(), " bytes; at most 255 are allowed"));
  }
  for (char c : td) {
    if (IsTrustDomainChar(c)) continue;
    if (c == '@') return absl::InvalidArgumentError("trust domain contains '@' (no userinfo)");
    if (c == ':') return absl::InvalidArgumentError("trust domain contains ':' (no port)");
    if (c == '%') return absl::InvalidArgumentError("trust domain contains percent-encoding");
    if (absl::ascii_isupper(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError(
          absl::StrCat("trust domain contains uppercase ", QuoteChar(c), "; it must be lowercase"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("trust domain contains ", QuoteChar(c), "; only a-z 0-9 . - _ are allowed"));
  }
  return absl::OkStatus();
}

// One path segment, without its leading '/'.
absl::Status CheckSegment(std::string_view segment) {
  if (segment.empty()) return absl::InvalidArgumentError("path contains an empty segment");
  if (segment == "." || segment == "..") {
    return absl::InvalidArgumentError(
        absl::StrCat("path contains a '", std::string(segment), "' segment"));
  }
  for (char c : segment) {
    if (IsPathChar(c)) continue;
    if (c == '%') return absl::InvalidArgumentError("path contains percent-encoding");
    return absl::InvalidArgumentError(
        absl::StrCat("path contains ", QuoteChar(c), "; only A-Z a-z 0-9 . - _ are allowed"));
  }
  return absl::OkStatus();
}

// "" or "/seg/seg...".
absl::Status CheckPath(std::string_view path) {
  if (path.empty()) return absl::OkStatus();
  if (path.back() == '/') return absl::InvalidArgumentError("path has a trailing '/'");
  std::vector<absl::string_view> segments =
      absl::StrSplit(absl::string_view(path.data() + 1, path.size() - 1), '/');
  for (absl::string_view segment : segments) {
    SVIDD_RETURN_IF_ERROR(CheckSegment(std::string_view(segment.data(), segment.size())));
  }
  return absl::OkStatus();
}

absl::Status CheckScheme(std::string_view text) {
  if (text.substr(0, kSchemeBytes) == kScheme) return absl::OkStatus();
  if (absl::StartsWithIgnoreCase(std::string(text.substr(0, kSchemeBytes)), "spiffe://")) {
    return absl::InvalidArgumentError("scheme must be lowercase \"spiffe://\"");
  }
  return absl::InvalidArgumentError("scheme is not \"spiffe://\"");
}

// Every rule in order; the message names the first one broken.
absl::Status CheckId(std::string_view text, std::string_view* td, std::string_view* path) {
  if (text.empty()) return absl::InvalidArgumentError("SPIFFE ID is empty");
  if (text.size() > kMaxIdBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("SPIFFE ID is ", text.size(), " bytes; at most 2048 are allowed"));
  }
  SVIDD_RETURN_IF_ERROR(CheckScheme(text));
  if (text.find('?') != std::string_view::npos) {
    return absl::InvalidArgumentError("SPIFFE ID contains a query ('?')");
  }
  if (text.find('#') != std::string_view::npos) {
    return absl::InvalidArgumentError("SPIFFE ID contains a fragment ('#')");
  }
  std::string_view rest = text.substr(kSchemeBytes);
  size_t slash = rest.find('/');
  *td = rest.substr(0, slash);
  *path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  SVIDD_RETURN_IF_ERROR(CheckTrustDomain(*td));
  return CheckPath(*path);
}

}  // namespace

absl::StatusOr<SpiffeId> SpiffeId::Parse(std::string_view text) {
  std::string_view td, path;
  SVIDD_RETURN_IF_ERROR(
      WithContext(absl::StrCat("invalid SPIFFE ID ", Quote(text)), CheckId(text, &td, &path)));
  return SpiffeId(std::string(text), std::string(td), std::string(path));
}

absl::StatusOr<SpiffeId> SpiffeId::ForServiceAccount(std::string_view trust_domain,
                                                     std::string_view ns, std::string_view sa) {
  SVIDD_RETURN_IF_ERROR(ValidateTrustDomain(trust_domain));
  SVIDD_RETURN_IF_ERROR(WithContext(absl::StrCat("namespace ", Quote(ns)), CheckSegment(ns)));
  SVIDD_RETURN_IF_ERROR(WithContext(absl::StrCat("service account ", Quote(sa)), CheckSegment(sa)));
  return Parse(absl::StrCat(kScheme, std::string(trust_domain), "/ns/", std::string(ns), "/sa/",
                            std::string(sa)));
}

absl::StatusOr<SpiffeId> SpiffeId::ForTrustDomain(std::string_view trust_domain) {
  SVIDD_RETURN_IF_ERROR(ValidateTrustDomain(trust_domain));
  return Parse(absl::StrCat(kScheme, std::string(trust_domain)));
}

absl::Status SpiffeId::ValidateTrustDomain(std::string_view trust_domain) {
  return WithContext(absl::StrCat("invalid trust domain ", Quote(trust_domain)),
                     CheckTrustDomain(trust_domain));
}

namespace {
// {namespace, service account} for a path of the form /ns/<ns>/sa/<sa>, else empty.
std::pair<std::string, std::string> IstioParts(const std::string& path) {
  std::vector<std::string> parts = absl::StrSplit(path, '/');
  // "/ns/a/sa/b" splits into "", "ns", "a", "sa", "b".
  if (parts.size() != 5 || parts[1] != "ns" || parts[3] != "sa") return {};
  return {parts[2], parts[4]};
}
}  // namespace

std::string SpiffeId::IstioNamespace() const { return IstioParts(path_).first; }
std::string SpiffeId::IstioServiceAccount() const { return IstioParts(path_).second; }

}  // namespace svidd::spiffe
