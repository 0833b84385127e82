// Serial spelling (SerialHex / NormalizeSerialHex share one rule):
//   lowercase hex of the serial's magnitude, big-endian, whole bytes (so an even number of
//   digits), leading zero bytes removed; zero is "00"; a negative serial (only in foreign
//   certificates; we never issue one) gets a leading "-".
// NormalizeSerialHex takes what an operator typed: surrounding whitespace, ':' and ' '
// separators and a "0x"/"0X" prefix are dropped, case is folded, leading zeros are removed
// and one "0" is put back if the digit count is odd. "5A:3F:09", "0x5a3f09" and "005a3f09"
// all become "5a3f09"; "a3f09" becomes "0a3f09".
#include "svidd/crypto/x509_fields.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>

#include <chrono>
#include <ctime>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "svidd/common/status_macros.h"

namespace svidd::crypto {
namespace {

constexpr size_t kMaxSerialHexDigits = 2 * 64;  // RFC 5280 allows 20 octets; be generous

std::string LowercaseHex(const unsigned char* data, size_t len) {
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(data), len));
}

// Canonical form of a run of hex digits: see the rule at the top of this file.
std::string CanonicalHexDigits(std::string digits) {
  absl::AsciiStrToLower(&digits);
  size_t first = digits.find_first_not_of('0');
  digits = first == std::string::npos ? "" : digits.substr(first);
  if (digits.size() % 2 == 1) digits.insert(digits.begin(), '0');
  return digits.empty() ? "00" : digits;
}

// Converts a broken-down UTC time to a TimePoint, clamping to the representable range
// (nanosecond system_clock spans about 1678–2262; RFC 5280 "no expiry" is 9999-12-31).
TimePoint FromUtcTm(const std::tm& tm) {
  using namespace std::chrono;
  const sys_days day = year{tm.tm_year + 1900} / month(tm.tm_mon + 1) / tm.tm_mday;
  const seconds since_epoch =
      day.time_since_epoch() + hours{tm.tm_hour} + minutes{tm.tm_min} + seconds{tm.tm_sec};
  const auto limit = duration_cast<seconds>(TimePoint::duration::max());
  if (since_epoch >= limit) return TimePoint::max();
  if (since_epoch <= -limit) return TimePoint::min();
  return TimePoint(duration_cast<TimePoint::duration>(since_epoch));
}

bool AsnTimeToTimePoint(const ASN1_TIME* time, TimePoint* out) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) {
    ClearOpenSslErrors();
    return false;
  }
  *out = FromUtcTm(tm);
  return true;
}

void AppendNamesOfType(const GENERAL_NAMES* names, int type, std::vector<std::string>* out) {
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != type) continue;
    const ASN1_IA5STRING* value =
        type == GEN_URI ? name->d.uniformResourceIdentifier : name->d.dNSName;
    out->emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                      static_cast<size_t>(ASN1_STRING_length(value)));
  }
}

std::vector<std::string> SansOfType(const X509* cert, int type) {
  std::vector<std::string> out;
  GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (names == nullptr) {
    ClearOpenSslErrors();
    return out;
  }
  AppendNamesOfType(names.get(), type, &out);
  return out;
}

std::string NameString(const X509_NAME* name) {
  if (name == nullptr || X509_NAME_entry_count(name) == 0) return "";
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) {
    ClearOpenSslErrors();
    return "";
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return len > 0 ? std::string(data, static_cast<size_t>(len)) : "";
}

}  // namespace

std::string SerialHex(const X509* cert) {
  return cert == nullptr ? "" : SerialHex(X509_get0_serialNumber(cert));
}

std::string SerialHex(const ASN1_INTEGER* serial) {
  if (serial == nullptr) return "";
  BignumPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
  if (bn == nullptr) {
    ClearOpenSslErrors();
    return "";
  }
  OpensslStringPtr hex(BN_bn2hex(bn.get()));
  if (hex == nullptr) {
    ClearOpenSslErrors();
    return "";
  }
  std::string digits(hex.get());
  const bool negative = !digits.empty() && digits[0] == '-';
  if (negative) digits.erase(0, 1);
  return absl::StrCat(negative ? "-" : "", CanonicalHexDigits(digits));
}

absl::StatusOr<std::string> NormalizeSerialHex(std::string_view text) {
  std::string trimmed(absl::StripAsciiWhitespace(std::string(text)));
  std::string_view rest = trimmed;
  if (rest.size() >= 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X')) {
    rest.remove_prefix(2);
  }
  std::string digits;
  for (char c : rest) {
    if (c == ':' || c == ' ') continue;
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError(absl::StrCat("serial number '", absl::CHexEscape(trimmed),
                                                     "' is not hex (bad character '",
                                                     absl::CHexEscape(std::string(1, c)), "')"));
    }
    digits.push_back(c);
  }
  if (digits.empty()) return absl::InvalidArgumentError("serial number has no hex digits");
  if (digits.size() > kMaxSerialHexDigits) {
    return absl::InvalidArgumentError("serial number is longer than 64 bytes");
  }
  return CanonicalHexDigits(std::move(digits));
}

// Unreadable times fail closed: NotBefore becomes the far future, NotAfter the epoch.
TimePoint NotBefore(const X509* cert) {
  TimePoint out;
  if (cert == nullptr || !AsnTimeToTimePoint(X509_get0_notBefore(cert), &out)) {
    return TimePoint::max();
  }
  return out;
}

TimePoint NotAfter(const X509* cert) {
  TimePoint out;
  if (cert == nullptr || !AsnTimeToTimePoint(X509_get0_notAfter(cert), &out)) {
    return TimePoint{};
  }
  return out;
}

std::vector<std::string> UriSans(const X509* cert) {
  return cert == nullptr ? std::vector<std::string>{} : SansOfType(cert, GEN_URI);
}

std::vector<std::string> DnsSans(const X509* cert) {
  return cert == nullptr ? std::vector<std::string>{} : SansOfType(cert, GEN_DNS);
}

std::vector<std::string> CrlDistributionPointUris(const X509* cert) {
  std::vector<std::string> out;
  if (cert == nullptr) return out;
  CrlDistPointsPtr points(static_cast<CRL_DIST_POINTS*>(
      X509_get_ext_d2i(cert, NID_crl_distribution_points, nullptr, nullptr)));
  if (points == nullptr) {
    ClearOpenSslErrors();
    return out;
  }
  for (int i = 0; i < sk_DIST_POINT_num(points.get()); ++i) {
    const DIST_POINT* point = sk_DIST_POINT_value(points.get(), i);
    if (point->distpoint != nullptr && point->distpoint->type == 0) {  // fullName
      AppendNamesOfType(point->distpoint->name.fullname, GEN_URI, &out);
    }
  }
  return out;
}

std::string SubjectString(const X509* cert) {
  return cert == nullptr ? "" : NameString(X509_get_subject_name(cert));
}

std::string IssuerString(const X509* cert) {
  return cert == nullptr ? "" : NameString(X509_get_issuer_name(cert));
}

bool IsCaCertificate(const X509* cert) {
  if (cert == nullptr) return false;
  int critical = -1;
  BasicConstraintsPtr bc(static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(cert, NID_basic_constraints, &critical, nullptr)));
  if (bc == nullptr) {
    ClearOpenSslErrors();
    return false;
  }
  return bc->ca != 0;
}

bool IsSelfSigned(const X509* cert) {
  if (cert == nullptr) return false;
  // Checks subject == issuer (and AKID/SKID consistency) and verifies the signature.
  bool self_signed = X509_self_signed(const_cast<X509*>(cert), /*verify_signature=*/1) == 1;
  ClearOpenSslErrors();
  return self_signed;
}

std::string SubjectKeyIdHex(const X509* cert) {
  if (cert == nullptr) return "";
  const ASN1_OCTET_STRING* skid = X509_get0_subject_key_id(const_cast<X509*>(cert));
  ClearOpenSslErrors();
  if (skid == nullptr) return "";
  return LowercaseHex(ASN1_STRING_get0_data(skid), static_cast<size_t>(ASN1_STRING_length(skid)));
}

}  // namespace svidd::crypto
