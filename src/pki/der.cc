#include "pki/der.h"

#include "absl/strings/str_cat.h"

namespace svidd::pki::internal::der {
namespace {

absl::Status Malformed(const char* what, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", why));
}

}  // namespace

absl::StatusOr<Element> Reader::NextAny(const char* what) {
  if (rest_.size() < 2) return Malformed(what, "truncated DER element");
  const auto tag = static_cast<uint8_t>(rest_[0]);
  if ((tag & 0x1f) == 0x1f) return Malformed(what, "high tag numbers are not supported");
  const auto first = static_cast<uint8_t>(rest_[1]);
  size_t header = 2;
  size_t length = first;
  if (first == 0x80) return Malformed(what, "indefinite length is not DER");
  if (first > 0x80) {
    const size_t count = first & 0x7f;
    if (count > 4) return Malformed(what, "length too large");
    if (rest_.size() < 2 + count) return Malformed(what, "truncated DER length");
    length = 0;
    for (size_t i = 0; i < count; ++i) length = (length << 8) | static_cast<uint8_t>(rest_[2 + i]);
    // DER: the shortest form, so long form only from 128, and no leading zero byte.
    if (length < 0x80 || static_cast<uint8_t>(rest_[2]) == 0) {
      return Malformed(what, "non-minimal DER length");
    }
    header += count;
  }
  if (length > rest_.size() - header) return Malformed(what, "DER length past the end of the data");
  Element element{tag, rest_.substr(0, header + length), rest_.substr(header, length)};
  rest_.remove_prefix(header + length);
  return element;
}

absl::StatusOr<Element> Reader::Next(uint8_t tag, const char* what) {
  if (rest_.empty()) return Malformed(what, "missing");
  if (static_cast<uint8_t>(rest_[0]) != tag) {
    return Malformed(what, absl::StrCat("unexpected DER tag 0x", absl::Hex(rest_[0] & 0xff),
                                        ", expected 0x", absl::Hex(tag)));
  }
  return NextAny(what);
}

absl::Status Reader::Finish(const char* what) const {
  if (!rest_.empty())
    return Malformed(what, absl::StrCat(rest_.size(), " unexpected trailing bytes"));
  return absl::OkStatus();
}

absl::StatusOr<std::string_view> WholeBytes(const Element& bit_string, const char* what) {
  if (bit_string.content.empty() || bit_string.content[0] != 0) {
    return Malformed(what, "BIT STRING with unused bits");
  }
  return bit_string.content.substr(1);
}

absl::StatusOr<bool> BooleanValue(const Element& boolean, const char* what) {
  if (boolean.content.size() != 1) return Malformed(what, "BOOLEAN of bad length");
  const auto value = static_cast<uint8_t>(boolean.content[0]);
  if (value != 0x00 && value != 0xff) return Malformed(what, "BOOLEAN is not DER (0x00 or 0xFF)");
  return value == 0xff;
}

absl::StatusOr<bool> CheckInteger(const Element& integer, const char* what) {
  const std::string_view c = integer.content;
  if (c.empty()) return Malformed(what, "empty INTEGER");
  if (c.size() > 1) {
    const auto a = static_cast<uint8_t>(c[0]);
    const auto b = static_cast<uint8_t>(c[1]);
    if ((a == 0x00 && b < 0x80) || (a == 0xff && b >= 0x80)) {
      return Malformed(what, "INTEGER is not minimally encoded");
    }
  }
  return (static_cast<uint8_t>(c[0]) & 0x80) != 0;
}

void Append(std::string& out, uint8_t tag, std::string_view content) {
  out.push_back(static_cast<char>(tag));
  const size_t n = content.size();
  if (n < 0x80) {
    out.push_back(static_cast<char>(n));
  } else {
    int bytes = 0;
    for (size_t v = n; v != 0; v >>= 8) ++bytes;
    out.push_back(static_cast<char>(0x80 | bytes));
    for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  }
  out.append(content);
}

std::string Wrap(uint8_t tag, std::string_view content) {
  std::string out;
  out.reserve(content.size() + 6);
  Append(out, tag, content);
  return out;
}

std::string UnsignedInteger(std::string_view big_endian) {
  while (big_endian.size() > 1 && big_endian[0] == 0) big_endian.remove_prefix(1);
  std::string content;
  if (big_endian.empty()) big_endian = std::string_view("\0", 1);
  if ((static_cast<uint8_t>(big_endian[0]) & 0x80) != 0) content.push_back('\0');
  content.append(big_endian);
  return Wrap(kInteger, content);
}

std::string OidText(std::string_view oid) {
  std::string text;
  uint64_t value = 0;
  bool first = true;
  for (char ch : oid) {
    const auto byte = static_cast<uint8_t>(ch);
    if (value > (uint64_t{1} << 56)) return "(unreadable OID)";
    value = (value << 7) | (byte & 0x7f);
    if ((byte & 0x80) != 0) continue;
    if (first) {
      const uint64_t arc0 = value < 40 ? 0 : (value < 80 ? 1 : 2);
      absl::StrAppend(&text, arc0, ".", value - 40 * arc0);
      first = false;
    } else {
      absl::StrAppend(&text, ".", value);
    }
    value = 0;
  }
  return text.empty() ? "(unreadable OID)" : text;
}

}  // namespace svidd::pki::internal::der
