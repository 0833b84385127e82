// svidd's CSR validator as it was before the DER walk (pki/csr_der.h): OpenSSL's own parser
// (d2i_X509_REQ), key (EVP_PKEY) and verifier (X509_REQ_verify) with the same allow-list. Kept
// as the oracle of the differential test; the subject and attributes other than extension
// requests are ignored, as in svidd.
#include "openssl_csr_reference.h"

#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <set>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "svidd/common/status_macros.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/pem.h"
#include "svidd/pki/csr_validator.h"

namespace svidd::testing {
namespace {

std::string DescribeObject(const ASN1_OBJECT* obj) {
  char oid[128] = {0};
  if (OBJ_obj2txt(oid, sizeof(oid), obj, /*no_name=*/1) <= 0) {
    crypto::ClearOpenSslErrors();
    return "(unreadable OID)";
  }
  int nid = OBJ_obj2nid(obj);
  const char* name = nid == NID_undef ? nullptr : OBJ_nid2sn(nid);
  if (name == nullptr) return oid;
  return absl::StrCat(name, " (", oid, ")");
}

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
  crypto::GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(ext)));
  if (names == nullptr) {
    return crypto::OpenSslError(absl::StatusCode::kInvalidArgument,
                                "subjectAltName cannot be parsed");
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
  crypto::Asn1BitStringPtr usage(static_cast<ASN1_BIT_STRING*>(X509V3_EXT_d2i(ext)));
  if (usage == nullptr) {
    return crypto::OpenSslError(absl::StatusCode::kInvalidArgument, "keyUsage cannot be parsed");
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
  crypto::ExtendedKeyUsagePtr eku(static_cast<EXTENDED_KEY_USAGE*>(X509V3_EXT_d2i(ext)));
  if (eku == nullptr) {
    return crypto::OpenSslError(absl::StatusCode::kInvalidArgument,
                                "extendedKeyUsage cannot be parsed");
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
  crypto::BasicConstraintsPtr bc(static_cast<BASIC_CONSTRAINTS*>(X509V3_EXT_d2i(ext)));
  if (bc == nullptr) {
    return crypto::OpenSslError(absl::StatusCode::kInvalidArgument,
                                "basicConstraints cannot be parsed");
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

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 8192;

absl::Status CheckKey(const EVP_PKEY* pkey, const crypto::KeyDescription& key) {
  switch (key.algorithm) {
    case crypto::KeyDescription::Algorithm::kRsa:
      if (key.bits < kMinRsaBits || key.bits > kMaxRsaBits) {
        return absl::InvalidArgumentError(absl::StrCat(
            "RSA key of ", key.bits, " bits is not allowed; RSA keys must be 2048-8192 bits"));
      }
      return absl::OkStatus();
    case crypto::KeyDescription::Algorithm::kEc:
      if (key.curve != "P-256" && key.curve != "P-384") {
        return absl::InvalidArgumentError(
            absl::StrCat("EC curve ", key.curve, " is not allowed; only P-256 and P-384"));
      }
      return absl::OkStatus();
    case crypto::KeyDescription::Algorithm::kEd25519:
      return absl::OkStatus();
    case crypto::KeyDescription::Algorithm::kOther:
      break;
  }
  const char* type = EVP_PKEY_get0_type_name(pkey);
  return absl::InvalidArgumentError(
      absl::StrCat("key algorithm ", type != nullptr ? type : "(unknown)",
                   " is not allowed; only RSA, EC P-256/P-384 and Ed25519"));
}

absl::Status CheckSignature(X509_REQ* req, EVP_PKEY* key) {
  if (X509_REQ_verify(req, key) != 1) {
    return crypto::OpenSslError(absl::StatusCode::kInvalidArgument, "signature does not verify");
  }
  return absl::OkStatus();
}

// At most one extension-request attribute (PKCS#9 or msExtReq); others are ignored.
absl::Status CheckAttributes(const X509_REQ* req) {
  int requests = 0;
  for (int i = 0; i < X509_REQ_get_attr_count(req); ++i) {
    const int nid = OBJ_obj2nid(X509_ATTRIBUTE_get0_object(X509_REQ_get_attr(req, i)));
    if ((nid == NID_ext_req || nid == NID_ms_ext_req) && ++requests > 1) {
      return absl::InvalidArgumentError("more than one extensionRequest");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> RequestedUri(const X509_REQ* req) {
  crypto::ExtensionStackPtr exts(X509_REQ_get_extensions(const_cast<X509_REQ*>(req)));
  if (exts == nullptr) {
    if (X509_REQ_get_attr_by_NID(req, NID_ext_req, -1) >= 0) {
      return crypto::OpenSslError(absl::StatusCode::kInvalidArgument,
                                  "extensionRequest cannot be parsed");
    }
    crypto::ClearOpenSslErrors();
    return absl::InvalidArgumentError("no subjectAltName extension; one URI SAN is required");
  }
  return CheckRequestedExtensions(exts.get());
}

absl::StatusOr<spiffe::SpiffeId> WorkloadId(const std::string& uri) {
  absl::StatusOr<spiffe::SpiffeId> id = spiffe::SpiffeId::Parse(uri);
  if (!id.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("URI SAN: ", id.status().message()));
  }
  if (!id->has_path()) {
    return absl::InvalidArgumentError(
        absl::StrCat("URI SAN ", id->str(), " has no path; a workload SPIFFE ID needs one"));
  }
  return id;
}

absl::StatusOr<ReferenceVerdict> Validate(std::string_view pem, const pki::CsrLimits& limits) {
  if (pem.size() > limits.max_pem_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("request is ", pem.size(), " bytes; the limit is ", limits.max_pem_bytes));
  }
  absl::StatusOr<crypto::X509ReqPtr> req = crypto::ParseCsrPem(pem);
  if (!req.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a PEM PKCS#10 request: ", req.status().message()));
  }
  crypto::EvpPkeyPtr key(X509_REQ_get_pubkey(req->get()));
  if (key == nullptr) {
    return crypto::OpenSslError(absl::StatusCode::kInvalidArgument, "public key cannot be parsed");
  }
  SVIDD_ASSIGN_OR_RETURN(crypto::KeyDescription description, crypto::DescribeKey(key.get()));
  SVIDD_RETURN_IF_ERROR(CheckKey(key.get(), description));
  SVIDD_RETURN_IF_ERROR(CheckSignature(req->get(), key.get()));
  SVIDD_RETURN_IF_ERROR(CheckAttributes(req->get()));
  SVIDD_ASSIGN_OR_RETURN(std::string uri, RequestedUri(req->get()));
  SVIDD_ASSIGN_OR_RETURN(spiffe::SpiffeId id, WorkloadId(uri));
  SVIDD_ASSIGN_OR_RETURN(std::string spki, crypto::PublicKeyToDer(key.get()));
  return ReferenceVerdict{std::move(spki), description.Label(), id.str()};
}

}  // namespace

absl::StatusOr<ReferenceVerdict> ValidateCsrWithOpenSsl(std::string_view pem) {
  return Validate(pem, pki::CsrLimits{});
}

}  // namespace svidd::testing
