// CSR validation as a pipeline: size → PEM → DER walk → key policy (before the signature, so
// a huge or exotic key costs nothing) → signature → attributes → extensions → SPIFFE ID. The
// subject is ignored.
#include "svidd/pki/csr_validator.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "pki/csr_der.h"
#include "pki/csr_extensions.h"
#include "pki/csr_signature.h"
#include "svidd/common/refusal.h"
#include "svidd/common/status_macros.h"
#include "svidd/crypto/pem.h"

namespace svidd::pki {
namespace {

using std::string_view_literals::operator""sv;
using internal::CsrAttribute;
using internal::ParsedCsr;

constexpr std::string_view kExtensionRequest = "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x0e"sv;
constexpr std::string_view kMsExtensionRequest = "\x2b\x06\x01\x04\x01\x82\x37\x02\x01\x0e"sv;
constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 8192;

absl::Status CheckKey(const crypto::KeyDescription& key) {
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
  return absl::InvalidArgumentError(
      "key algorithm is not allowed");  // DescribeCsrKey refuses first
}

// The one attribute that requests extensions (PKCS#9 extensionRequest, or Microsoft's older
// msExtReq, which OpenSSL reads the same way), or null when there is none. Two would leave it
// open which one is checked, so they are refused. Any other attribute (challengePassword,
// unstructuredName, ...) is ignored, as istiod does: nothing in it reaches the certificate.
absl::StatusOr<const CsrAttribute*> ExtensionRequest(const ParsedCsr& csr) {
  const CsrAttribute* request = nullptr;
  for (const CsrAttribute& attr : csr.attributes) {
    if (attr.type != kExtensionRequest && attr.type != kMsExtensionRequest) continue;
    if (request != nullptr) return absl::InvalidArgumentError("more than one extensionRequest");
    request = &attr;
  }
  return request;
}

absl::StatusOr<std::string> RequestedUri(const ParsedCsr& csr) {
  SVIDD_ASSIGN_OR_RETURN(const CsrAttribute* request, ExtensionRequest(csr));
  if (request == nullptr) {
    return absl::InvalidArgumentError("no subjectAltName extension; one URI SAN is required");
  }
  absl::StatusOr<std::vector<internal::RequestedExtension>> extensions =
      internal::ParseExtensionRequest(request->values);
  if (!extensions.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("extensionRequest cannot be parsed: ", extensions.status().message()));
  }
  return internal::CheckRequestedExtensions(*extensions);
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

absl::StatusOr<ValidatedCsr> Validate(std::string_view pem, const CsrLimits& limits) {
  if (pem.size() > limits.max_pem_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("request is ", pem.size(), " bytes; the limit is ", limits.max_pem_bytes));
  }
  absl::StatusOr<std::string> der = crypto::CsrPemToDer(pem);
  absl::StatusOr<ParsedCsr> csr =
      der.ok() ? internal::ParseCsrDer(*der) : absl::StatusOr<ParsedCsr>(der.status());
  if (!csr.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a PEM PKCS#10 request: ", csr.status().message()));
  }
  SVIDD_ASSIGN_OR_RETURN(crypto::KeyDescription key, internal::DescribeCsrKey(*csr));
  SVIDD_RETURN_IF_ERROR(CheckKey(key));
  SVIDD_RETURN_IF_ERROR(internal::VerifyCsrSignature(*csr, key));
  SVIDD_ASSIGN_OR_RETURN(std::string uri, RequestedUri(*csr));
  SVIDD_ASSIGN_OR_RETURN(spiffe::SpiffeId id, WorkloadId(uri));
  return ValidatedCsr{crypto::PublicKeyInfo{std::string(csr->spki), std::move(key)}, std::move(id)};
}

}  // namespace

absl::StatusOr<ValidatedCsr> ValidateCsr(std::string_view pem, const CsrLimits& limits) {
  absl::StatusOr<ValidatedCsr> result = Validate(pem, limits);
  if (result.ok()) return result;
  // Refusals are INVALID_ARGUMENT (istio-agent does not retry them); an internal OpenSSL
  // failure keeps its own code.
  return WithRefusal(absl::Status(result.status().code(),
                                  absl::StrCat("CSR refused: ", result.status().message())),
                     Refusal::kCsr);
}

}  // namespace svidd::pki
