#include "pki/csr_extensions.h"

#include <openssl/objects.h>

#include <algorithm>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "pki/der.h"
#include "svidd/common/status_macros.h"
#include "svidd/crypto/ssl_ptr.h"

namespace svidd::pki::internal {
namespace {

using std::string_view_literals::operator""sv;

constexpr std::string_view kServerAuth = "\x2b\x06\x01\x05\x05\x07\x03\x01"sv;
constexpr std::string_view kClientAuth = "\x2b\x06\x01\x05\x05\x07\x03\x02"sv;

// GeneralName tags (RFC 5280 4.2.1.6): context-specific, IMPLICIT except directoryName.
constexpr uint8_t kOtherName = 0xa0, kEmail = 0x81, kDns = 0x82, kDirectoryName = 0xa4, kUri = 0x86,
                  kIpAddress = 0x87, kRegisteredId = 0x88;

constexpr int kKeyCertSignBit = 5;  // RFC 5280 KeyUsage bit positions
constexpr int kCrlSignBit = 6;

std::string Quoted(std::string_view s) {
  const absl::string_view head(s.data(), std::min<size_t>(s.size(), 128));
  return absl::StrCat("\"", absl::CHexEscape(head), s.size() > 128 ? "...\"" : "\"");
}

absl::Status CannotParse(const char* what, const absl::Status& why) {
  return absl::InvalidArgumentError(absl::StrCat(what, " cannot be parsed: ", why.message()));
}

// Why a SAN entry other than a URI is refused.
std::string DescribeNonUriName(const der::Element& name) {
  switch (name.tag) {
    case kDns:
      return absl::StrCat("a DNS name ", Quoted(name.content));
    case kEmail:
      return absl::StrCat("an email address ", Quoted(name.content));
    case kIpAddress:
      return "an IP address";
    case kOtherName:
      return "an otherName";
    case kDirectoryName:
      return "a directoryName";
    case kRegisteredId:
      return "a registeredID";
    default:
      return absl::StrCat("a name of type ", name.tag & 0x1f);
  }
}

absl::StatusOr<std::string> CheckSan(std::string_view value) {
  der::Reader outer(value);
  absl::StatusOr<der::Element> names = outer.Next(der::kSequence, "GeneralNames");
  if (!names.ok()) return CannotParse("subjectAltName", names.status());
  if (absl::Status s = outer.Finish("GeneralNames"); !s.ok())
    return CannotParse("subjectAltName", s);
  std::vector<std::string_view> uris;
  der::Reader list(names->content);
  while (!list.empty()) {
    absl::StatusOr<der::Element> name = list.NextAny("GeneralName");
    if (!name.ok()) return CannotParse("subjectAltName", name.status());
    if (name->tag != kUri) {
      return absl::InvalidArgumentError(absl::StrCat(
          "subjectAltName contains ", DescribeNonUriName(*name), "; only one URI SAN is allowed"));
    }
    uris.push_back(name->content);
  }
  if (uris.size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("subjectAltName must hold exactly one URI SAN; found ", uris.size()));
  }
  return std::string(uris.front());
}

absl::Status CheckKeyUsage(std::string_view value) {
  der::Reader outer(value);
  absl::StatusOr<der::Element> bits = outer.Next(der::kBitString, "KeyUsage");
  if (!bits.ok()) return CannotParse("keyUsage", bits.status());
  if (absl::Status s = outer.Finish("KeyUsage"); !s.ok()) return CannotParse("keyUsage", s);
  const std::string_view c = bits->content;
  if (c.empty() || static_cast<uint8_t>(c[0]) > 7 || (c.size() == 1 && c[0] != 0)) {
    return CannotParse("keyUsage", absl::InvalidArgumentError("bad BIT STRING"));
  }
  auto bit = [&](int n) {
    const size_t byte = 1 + static_cast<size_t>(n / 8);
    return byte < c.size() && (static_cast<uint8_t>(c[byte]) & (0x80 >> (n % 8))) != 0;
  };
  if (bit(kKeyCertSignBit)) {
    return absl::InvalidArgumentError("keyUsage keyCertSign is not allowed for a workload");
  }
  if (bit(kCrlSignBit)) {
    return absl::InvalidArgumentError("keyUsage cRLSign is not allowed for a workload");
  }
  return absl::OkStatus();
}

absl::Status CheckExtendedKeyUsage(std::string_view value) {
  der::Reader outer(value);
  absl::StatusOr<der::Element> purposes = outer.Next(der::kSequence, "ExtKeyUsageSyntax");
  if (!purposes.ok()) return CannotParse("extendedKeyUsage", purposes.status());
  if (absl::Status s = outer.Finish("ExtKeyUsageSyntax"); !s.ok()) {
    return CannotParse("extendedKeyUsage", s);
  }
  der::Reader list(purposes->content);
  while (!list.empty()) {
    absl::StatusOr<der::Element> purpose = list.Next(der::kOid, "KeyPurposeId");
    if (!purpose.ok()) return CannotParse("extendedKeyUsage", purpose.status());
    if (purpose->content != kServerAuth && purpose->content != kClientAuth) {
      return absl::InvalidArgumentError(
          absl::StrCat("extendedKeyUsage ", DescribeOid(purpose->content),
                       " is not allowed; only serverAuth and clientAuth"));
    }
  }
  return absl::OkStatus();
}

// BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLen INTEGER OPTIONAL }.
absl::Status CheckBasicConstraints(std::string_view value) {
  der::Reader outer(value);
  absl::StatusOr<der::Element> seq = outer.Next(der::kSequence, "BasicConstraints");
  if (!seq.ok()) return CannotParse("basicConstraints", seq.status());
  if (absl::Status s = outer.Finish("BasicConstraints"); !s.ok()) {
    return CannotParse("basicConstraints", s);
  }
  der::Reader fields(seq->content);
  bool ca = false;
  if (fields.PeekTag() == der::kBoolean) {
    absl::StatusOr<der::Element> flag = fields.NextAny("cA");
    absl::StatusOr<bool> value_of = flag.ok() ? der::BooleanValue(*flag, "cA") : flag.status();
    if (!value_of.ok()) return CannotParse("basicConstraints", value_of.status());
    ca = *value_of;
  }
  if (fields.PeekTag() == der::kInteger) {
    absl::StatusOr<der::Element> path = fields.NextAny("pathLenConstraint");
    absl::StatusOr<bool> negative =
        path.ok() ? der::CheckInteger(*path, "pathLenConstraint") : path.status();
    if (!negative.ok()) return CannotParse("basicConstraints", negative.status());
  }
  if (absl::Status s = fields.Finish("BasicConstraints"); !s.ok()) {
    return CannotParse("basicConstraints", s);
  }
  if (ca)
    return absl::InvalidArgumentError("basicConstraints cA=true is not allowed for a workload");
  return absl::OkStatus();
}

// Checks one extension; fills `uri` from a subjectAltName.
absl::Status CheckExtension(const RequestedExtension& ext, std::string* uri) {
  if (ext.oid == der::kSubjectAltNameOid) {
    SVIDD_ASSIGN_OR_RETURN(*uri, CheckSan(ext.value));
    return absl::OkStatus();
  }
  if (ext.oid == der::kKeyUsageOid) return CheckKeyUsage(ext.value);
  if (ext.oid == der::kExtendedKeyUsageOid) return CheckExtendedKeyUsage(ext.value);
  if (ext.oid == der::kBasicConstraintsOid) return CheckBasicConstraints(ext.value);
  return absl::InvalidArgumentError(absl::StrCat(
      "extension ", DescribeOid(ext.oid),
      " is not allowed; only subjectAltName, keyUsage, extendedKeyUsage and basicConstraints"));
}

}  // namespace

std::string DescribeOid(std::string_view oid) {
  const std::string dotted = der::OidText(oid);
  ASN1_OBJECT* obj =
      ASN1_OBJECT_create(NID_undef, reinterpret_cast<unsigned char*>(const_cast<char*>(oid.data())),
                         static_cast<int>(oid.size()), nullptr, nullptr);
  const int nid = obj == nullptr ? NID_undef : OBJ_obj2nid(obj);
  ASN1_OBJECT_free(obj);
  crypto::ClearOpenSslErrors();
  const char* name = nid == NID_undef ? nullptr : OBJ_nid2sn(nid);
  if (name == nullptr) return dotted;
  return absl::StrCat(name, " (", dotted, ")");
}

absl::StatusOr<std::string> CheckRequestedExtensions(const std::vector<RequestedExtension>& exts) {
  std::set<std::string_view> seen;
  std::string uri;
  for (const RequestedExtension& ext : exts) {
    if (!seen.insert(ext.oid).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("extension ", DescribeOid(ext.oid), " is requested twice"));
    }
    SVIDD_RETURN_IF_ERROR(CheckExtension(ext, &uri));
  }
  if (seen.count(der::kSubjectAltNameOid) == 0) {
    return absl::InvalidArgumentError("no subjectAltName extension; one URI SAN is required");
  }
  return uri;
}

}  // namespace svidd::pki::internal
