#include "pki/csr_extensions.h"

#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include <set>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "svidd/common/status_macros.h"

namespace svidd::pki_internal {
namespace {

constexpr int kKeyCertSignBit = 5;  // RFC 5280 KeyUsage bit positions
constexpr int kCrlSignBit = 6;

std::string Ia5Text(const ASN1_IA5STRING* s) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

std::string Quoted(const std::string& s) {
  return absl::StrCat("\"", absl::CHexEscape(s.substr(0, 128)), s.size() > 128 ? "...\"" : "\"");
}

// Why a SAN entry other than a URI is refused.
std::string DescribeNonUriName(const GENERAL_NAME* name) {
  switch (name->type) {
    case GEN_DNS:
      return absl::StrCat("a DNS name ", Quoted(Ia5Text(name->d.dNSName)));
    case GEN_EMAIL:
      return absl::StrCat("an email address ", Quoted(Ia5Text(name->d.rfc822Name)));
    case GEN_IPADD:
      return "an IP address";
    case GEN_OTHERNAME:
      return "an otherName";
    case GEN_DIRNAME:
      return "a directoryName";
    case GEN_RID:
      return "a registeredID";
    default:
      return absl::StrCat("a name of type ", name->type);
  }
}

absl::StatusOr<std::string> CheckSan(X509_EXTENSION* ext) {
  GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(ext)));
  if (names == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "subjectAltName cannot be parsed");
  }
  std::vector<std::string> uris;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type != GEN_URI) {
      return absl::InvalidArgumentError(absl::StrCat(
          "subjectAltName contains ", DescribeNonUriName(name), "; only one URI SAN is allowed"));
    }
    uris.push_back(Ia5Text(name->d.uniformResourceIdentifier));
  }
  if (uris.size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("subjectAltName must hold exactly one URI SAN; found ", uris.size()));
  }
  return uris.front();
}

absl::Status CheckKeyUsage(X509_EXTENSION* ext) {
  Asn1BitStringPtr usage(static_cast<ASN1_BIT_STRING*>(X509V3_EXT_d2i(ext)));
  if (usage == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "keyUsage cannot be parsed");
  }
  if (ASN1_BIT_STRING_get_bit(usage.get(), kKeyCertSignBit)) {
    return absl::InvalidArgumentError("keyUsage keyCertSign is not allowed for a workload");
  }
  if (ASN1_BIT_STRING_get_bit(usage.get(), kCrlSignBit)) {
    return absl::InvalidArgumentError("keyUsage cRLSign is not allowed for a workload");
  }
  return absl::OkStatus();
}

absl::Status CheckExtendedKeyUsage(X509_EXTENSION* ext) {
  ExtendedKeyUsagePtr eku(static_cast<EXTENDED_KEY_USAGE*>(X509V3_EXT_d2i(ext)));
  if (eku == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "extendedKeyUsage cannot be parsed");
  }
  for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
    const ASN1_OBJECT* purpose = sk_ASN1_OBJECT_value(eku.get(), i);
    int nid = OBJ_obj2nid(purpose);
    if (nid != NID_server_auth && nid != NID_client_auth) {
      return absl::InvalidArgumentError(
          absl::StrCat("extendedKeyUsage ", DescribeObject(purpose),
                       " is not allowed; only serverAuth and clientAuth"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckBasicConstraints(X509_EXTENSION* ext) {
  BasicConstraintsPtr bc(static_cast<BASIC_CONSTRAINTS*>(X509V3_EXT_d2i(ext)));
  if (bc == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "basicConstraints cannot be parsed");
  }
  if (bc->ca != 0) {
    return absl::InvalidArgumentError("basicConstraints cA=true is not allowed for a workload");
  }
  return absl::OkStatus();
}

// Checks one extension; fills `uri` from a subjectAltName.
absl::Status CheckExtension(X509_EXTENSION* ext, int nid, std::string* uri) {
  switch (nid) {
    case NID_subject_alt_name: {
      SVIDD_ASSIGN_OR_RETURN(*uri, CheckSan(ext));
      return absl::OkStatus();
    }
    case NID_key_usage:
      return CheckKeyUsage(ext);
    case NID_ext_key_usage:
      return CheckExtendedKeyUsage(ext);
    case NID_basic_constraints:
      return CheckBasicConstraints(ext);
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "extension ", DescribeObject(X509_EXTENSION_get_object(ext)),
          " is not allowed; only subjectAltName, keyUsage, extendedKeyUsage and basicConstraints"));
  }
}

}  // namespace

std::string DescribeObject(const ASN1_OBJECT* obj) {
  char oid[128] = {0};
  if (OBJ_obj2txt(oid, sizeof(oid), obj, /*no_name=*/1) <= 0) {
    ClearOpenSslErrors();
    return "(unreadable OID)";
  }
  int nid = OBJ_obj2nid(obj);
  const char* name = nid == NID_undef ? nullptr : OBJ_nid2sn(nid);
  if (name == nullptr) return oid;
  return absl::StrCat(name, " (", oid, ")");
}

absl::StatusOr<std::string> CheckRequestedExtensions(const STACK_OF(X509_EXTENSION) * exts) {
  std::set<int> seen;
  std::string uri;
  for (int i = 0; i < sk_X509_EXTENSION_num(exts); ++i) {
    X509_EXTENSION* ext = sk_X509_EXTENSION_value(exts, i);
    int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
    if (nid != NID_undef && !seen.insert(nid).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "extension ", DescribeObject(X509_EXTENSION_get_object(ext)), " is requested twice"));
    }
    SVIDD_RETURN_IF_ERROR(CheckExtension(ext, nid, &uri));
  }
  if (seen.count(NID_subject_alt_name) == 0) {
    return absl::InvalidArgumentError("no subjectAltName extension; one URI SAN is required");
  }
  return uri;
}

}  // namespace svidd::pki_internal
