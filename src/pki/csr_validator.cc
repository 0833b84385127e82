// CSR validation as a pipeline: size → parse → key policy (before the signature, so a huge or
// exotic key costs nothing) → signature → attributes → extensions → SPIFFE ID. The subject
// is ignored.
#include "svidd/pki/csr_validator.h"

#include <openssl/objects.h>
#include <openssl/x509.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "pki/csr_extensions.h"
#include "svidd/common/status_macros.h"
#include "svidd/crypto/pem.h"

namespace svidd {
namespace {

using pki_internal::CheckRequestedExtensions;

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 8192;

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
      return absl::OkStatus();
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

absl::Status CheckSignature(X509_REQ* req, EVP_PKEY* key) {
  if (X509_REQ_verify(req, key) != 1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "signature does not verify");
  }
  return absl::OkStatus();
}

// At most one attribute that requests extensions (PKCS#9 extensionRequest, or Microsoft's
// older msExtReq, which OpenSSL reads the same way): two would leave it open which one is
// checked. Any other attribute (challengePassword, unstructuredName, ...) is accepted and
// ignored, as istiod does: nothing in it reaches the certificate.
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

// The subject is not checked: svidd ignores it (the leaf's subject is empty and its SAN
// critical) and copies nothing from it, so nothing in it can widen what the leaf proves.
// SPIRE's agent sends C=US, O=SPIRE; OpenSSL configs and libraries CN/O/OU; istio-agent O="".

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
  SVIDD_RETURN_IF_ERROR(CheckSignature(req->get(), key.get()));
  SVIDD_RETURN_IF_ERROR(CheckAttributes(req->get()));
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
