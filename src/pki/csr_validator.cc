// CSR validation as a pipeline: size → parse → key policy (before the signature, so a huge or
// exotic key costs nothing) → signature → attributes → subject → extensions → SPIFFE ID.
#include "svidd/pki/csr_validator.h"

#include <openssl/core_names.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "pki/csr_extensions.h"
#include "svidd/common/status_macros.h"
#include "svidd/crypto/pem.h"

namespace svidd {
namespace {

using pki_internal::CheckRequestedExtensions;
using pki_internal::DescribeObject;

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 8192;

// OpenSSL recognises explicit parameters that equal P-256 and names the curve, but the key
// still carries them, and a certificate for it fails RFC 5480 (openssl verify -x509_strict,
// Go's parser). Only the namedCurve form is accepted.
absl::Status CheckNamedCurveEncoding(const EVP_PKEY* pkey) {
  char encoding[32] = {};
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_ENCODING, encoding,
                                     sizeof(encoding), nullptr) != 1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "EC key encoding cannot be read");
  }
  if (std::string_view(encoding) != OSSL_PKEY_EC_ENCODING_GROUP) {
    return absl::InvalidArgumentError(
        "EC key has explicit curve parameters; only a named curve (P-256, P-384) is allowed");
  }
  return absl::OkStatus();
}

absl::Status CheckKey(const EVP_PKEY* pkey, const KeyDescription& key) {
  switch (key.algorithm) {
    case KeyDescription::Algorithm::kRsa:
      if (key.bits < kMinRsaBits || key.bits > kMaxRsaBits) {
        return absl::InvalidArgumentError(absl::StrCat(
            "RSA key of ", key.bits, " bits is not allowed; RSA keys must be 2048-8192 bits"));
      }
      return absl::OkStatus();
    case KeyDescription::Algorithm::kEc:
      if (key.curve != "P-256" && key.curve != "P-384") {
        return absl::InvalidArgumentError(
            absl::StrCat("EC curve ", key.curve, " is not allowed; only P-256 and P-384"));
      }
      return CheckNamedCurveEncoding(pkey);
    case KeyDescription::Algorithm::kEd25519:
      return absl::OkStatus();
    case KeyDescription::Algorithm::kOther:
      break;
  }
  const char* type = EVP_PKEY_get0_type_name(pkey);
  return absl::InvalidArgumentError(
      absl::StrCat("key algorithm ", type != nullptr ? type : "(unknown)",
                   " is not allowed; only RSA, EC P-256/P-384 and Ed25519"));
}

// Allow-list of signature digests: SHA-256/384/512 (RSA PKCS#1 v1.5, ECDSA) or Ed25519's own.
// MD5 and SHA-1 are collision-prone; anything else (RSA-PSS included) is refused by name.
absl::Status CheckSignatureAlgorithm(const X509_REQ* req) {
  const int signature_nid = X509_REQ_get_signature_nid(req);
  int digest_nid = NID_undef;
  int key_nid = NID_undef;
  if (OBJ_find_sigid_algs(signature_nid, &digest_nid, &key_nid) != 1) {
    const X509_ALGOR* algorithm = nullptr;
    X509_REQ_get0_signature(req, nullptr, &algorithm);
    const ASN1_OBJECT* oid = nullptr;
    X509_ALGOR_get0(&oid, nullptr, nullptr, algorithm);
    return absl::InvalidArgumentError(
        absl::StrCat("signature algorithm ", DescribeObject(oid), " is not allowed"));
  }
  const bool strong_digest =
      digest_nid == NID_sha256 || digest_nid == NID_sha384 || digest_nid == NID_sha512;
  if (strong_digest || (key_nid == NID_ED25519 && digest_nid == NID_undef)) {
    return absl::OkStatus();
  }
  if (digest_nid == NID_md5 || digest_nid == NID_sha1) {
    return absl::InvalidArgumentError(absl::StrCat("signature digest ", OBJ_nid2sn(digest_nid),
                                                   " is too weak; sign with SHA-256 or stronger"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("signature algorithm ", OBJ_nid2sn(signature_nid),
                   " is not allowed; only SHA-256/384/512 with RSA or ECDSA, or Ed25519"));
}

absl::Status CheckSignature(X509_REQ* req, EVP_PKEY* key) {
  if (X509_REQ_verify(req, key) != 1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "signature does not verify");
  }
  return absl::OkStatus();
}

// Only a single PKCS#9 extensionRequest attribute; no challengePassword and the like.
absl::Status CheckAttributes(const X509_REQ* req) {
  int requests = 0;
  for (int i = 0; i < X509_REQ_get_attr_count(req); ++i) {
    const ASN1_OBJECT* obj = X509_ATTRIBUTE_get0_object(X509_REQ_get_attr(req, i));
    if (OBJ_obj2nid(obj) != NID_ext_req) {
      return absl::InvalidArgumentError(
          absl::StrCat("attribute ", DescribeObject(obj), " is not allowed"));
    }
    if (++requests > 1) return absl::InvalidArgumentError("more than one extensionRequest");
  }
  return absl::OkStatus();
}

// Empty, or a single empty O (what istio-agent sends).
absl::Status CheckSubject(const X509_NAME* name) {
  const int count = X509_NAME_entry_count(name);
  for (int i = 0; i < count; ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    const ASN1_OBJECT* obj = X509_NAME_ENTRY_get_object(entry);
    if (OBJ_obj2nid(obj) != NID_organizationName) {
      return absl::InvalidArgumentError(absl::StrCat("subject contains ", DescribeObject(obj),
                                                     "; it must be empty or only O=\"\""));
    }
    const ASN1_STRING* value = X509_NAME_ENTRY_get_data(entry);
    if (ASN1_STRING_length(value) != 0) {
      std::string text(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                       static_cast<size_t>(ASN1_STRING_length(value)));
      return absl::InvalidArgumentError(absl::StrCat("subject O=\"",
                                                     absl::CHexEscape(text.substr(0, 64)),
                                                     "\" is not allowed; O must be empty"));
    }
  }
  if (count > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("subject has ", count, " attributes; at most one empty O is allowed"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> RequestedUri(const X509_REQ* req) {
  ExtensionStackPtr exts(X509_REQ_get_extensions(const_cast<X509_REQ*>(req)));
  if (exts == nullptr) {
    if (X509_REQ_get_attr_by_NID(req, NID_ext_req, -1) >= 0) {
      return OpenSslError(absl::StatusCode::kInvalidArgument, "extensionRequest cannot be parsed");
    }
    ClearOpenSslErrors();
    return absl::InvalidArgumentError("no subjectAltName extension; one URI SAN is required");
  }
  return CheckRequestedExtensions(exts.get());
}

absl::StatusOr<SpiffeId> WorkloadId(const std::string& uri) {
  absl::StatusOr<SpiffeId> id = SpiffeId::Parse(uri);
  if (!id.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("URI SAN: ", id.status().message()));
  }
  if (!id->has_path()) {
    return absl::InvalidArgumentError(
        absl::StrCat("URI SAN ", id->str(), " has no path; a workload SPIFFE ID needs one"));
  }
  return id;
}

absl::StatusOr<ValidatedCsr> Validate(std::string_view pem, const CsrLimits& limits) {
  if (pem.size() > limits.max_pem_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("request is ", pem.size(), " bytes; the limit is ", limits.max_pem_bytes));
  }
  absl::StatusOr<X509ReqPtr> req = ParseCsrPem(pem);
  if (!req.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a PEM PKCS#10 request: ", req.status().message()));
  }
  EvpPkeyPtr key(X509_REQ_get_pubkey(req->get()));
  if (key == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "public key cannot be parsed");
  }
  SVIDD_ASSIGN_OR_RETURN(KeyDescription description, DescribeKey(key.get()));
  SVIDD_RETURN_IF_ERROR(CheckKey(key.get(), description));
  SVIDD_RETURN_IF_ERROR(CheckSignatureAlgorithm(req->get()));
  SVIDD_RETURN_IF_ERROR(CheckSignature(req->get(), key.get()));
  SVIDD_RETURN_IF_ERROR(CheckAttributes(req->get()));
  SVIDD_RETURN_IF_ERROR(CheckSubject(X509_REQ_get_subject_name(req->get())));
  SVIDD_ASSIGN_OR_RETURN(std::string uri, RequestedUri(req->get()));
  SVIDD_ASSIGN_OR_RETURN(SpiffeId id, WorkloadId(uri));
  return ValidatedCsr{std::move(key), std::move(description), std::move(id)};
}

}  // namespace

absl::StatusOr<ValidatedCsr> ValidateCsr(std::string_view pem, const CsrLimits& limits) {
  absl::StatusOr<ValidatedCsr> result = Validate(pem, limits);
  if (result.ok()) return result;
  // Refusals are INVALID_ARGUMENT (istio-agent does not retry them); an internal OpenSSL
  // failure keeps its own code.
  return absl::Status(result.status().code(),
                      absl::StrCat("CSR refused: ", result.status().message()));
}

}  // namespace svidd
