// A strict DER reader and a small DER writer for the certificate hot path (CSR parsing and
// the leaf's TBSCertificate), so that untrusted keys never pass through OpenSSL 3.0's
// decoder machinery. Reading refuses what DER forbids: indefinite or non-minimal lengths,
// high tag numbers, lengths past the end, and (via Finish) trailing bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace svidd::pki::internal::der {

// Universal and context tags used by PKCS#10 and X.509 (class and constructed bits included).
inline constexpr uint8_t kBoolean = 0x01;
inline constexpr uint8_t kInteger = 0x02;
inline constexpr uint8_t kBitString = 0x03;
inline constexpr uint8_t kOctetString = 0x04;
inline constexpr uint8_t kNull = 0x05;
inline constexpr uint8_t kOid = 0x06;
inline constexpr uint8_t kUtcTime = 0x17;
inline constexpr uint8_t kGeneralizedTime = 0x18;
inline constexpr uint8_t kSequence = 0x30;
inline constexpr uint8_t kSet = 0x31;
inline constexpr uint8_t kContext0 = 0x80;  // [0] primitive; | 0x20 for constructed
inline constexpr uint8_t kConstructed = 0x20;

// Extension OIDs (contents octets, RFC 5280 4.2.1): the ones a CSR may ask for and a leaf
// carries.
inline constexpr std::string_view kSubjectAltNameOid = "\x55\x1d\x11";
inline constexpr std::string_view kKeyUsageOid = "\x55\x1d\x0f";
inline constexpr std::string_view kExtendedKeyUsageOid = "\x55\x1d\x25";
inline constexpr std::string_view kBasicConstraintsOid = "\x55\x1d\x13";

struct Element {
  uint8_t tag = 0;
  std::string_view whole;    // tag, length and content
  std::string_view content;  // the value bytes
};

// Reads consecutive elements from `input`; every error names `what` is being read.
class Reader {
 public:
  explicit Reader(std::string_view input) : rest_(input) {}
  bool empty() const { return rest_.empty(); }
  // The next element's tag, or 0 when the input is used up.
  uint8_t PeekTag() const { return rest_.empty() ? 0 : static_cast<uint8_t>(rest_[0]); }
  // The next element, which must carry `tag`.
  absl::StatusOr<Element> Next(uint8_t tag, const char* what);
  // The next element, whatever its tag (single-byte tags only).
  absl::StatusOr<Element> NextAny(const char* what);
  // OK when nothing is left.
  absl::Status Finish(const char* what) const;

 private:
  std::string_view rest_;
};

// The content of a BIT STRING with no unused bits (keys, signatures).
absl::StatusOr<std::string_view> WholeBytes(const Element& bit_string, const char* what);
// A BOOLEAN's value; DER allows only 0x00 and 0xFF.
absl::StatusOr<bool> BooleanValue(const Element& boolean, const char* what);
// Checks an INTEGER's content is minimally encoded and returns whether it is negative.
absl::StatusOr<bool> CheckInteger(const Element& integer, const char* what);

// Appends tag, DER length and `content` to `out`.
void Append(std::string& out, uint8_t tag, std::string_view content);
std::string Wrap(uint8_t tag, std::string_view content);
// A non-negative INTEGER from big-endian unsigned bytes (leading zeros dropped, 0x00 added
// before a high bit), as BN_to_ASN1_INTEGER + i2d produce it.
std::string UnsignedInteger(std::string_view big_endian);

// Dotted text of an OID's content bytes, e.g. "2.5.29.17" (for messages).
std::string OidText(std::string_view oid_content);

}  // namespace svidd::pki::internal::der
