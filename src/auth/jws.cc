#include "auth/jws.h"

#include <openssl/err.h>

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "svidd/common/base64url.h"
#include "svidd/common/refusal.h"
#include "svidd/common/status_macros.h"

namespace svidd::auth {
namespace {

using json = nlohmann::json;

constexpr size_t kEs256CoordinateBytes = 32;

absl::Status Malformed(std::string_view what) {
  return Refuse(Refusal::kToken, absl::StrCat("malformed token: ", std::string(what)));
}

// Decodes one base64url part and parses it as a JSON object.
absl::StatusOr<json> DecodeJsonPart(std::string_view part, const char* name) {
  auto bytes = Base64UrlDecode(part);
  if (!bytes.ok()) return Malformed(absl::StrCat(name, " is not base64url"));
  json value = json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded() || !value.is_object()) {
    return Malformed(absl::StrCat(name, " is not a JSON object"));
  }
  return value;
}

absl::Status ReadHeader(const json& header, CompactJws& jws) {
  auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string()) return Malformed("header has no string \"alg\"");
  jws.alg = alg->get<std::string>();
  auto kid = header.find("kid");
  if (kid != header.end()) {
    if (!kid->is_string()) return Malformed("header \"kid\" is not a string");
    jws.kid = kid->get<std::string>();
  }
  if (header.contains("crit")) {
    return Refuse(Refusal::kToken, "token header has \"crit\" extensions, none are supported");
  }
  return absl::OkStatus();
}

// JWS's raw r||s → DER ECDSA-Sig-Value, which EVP_DigestVerify expects.
absl::StatusOr<std::string> EcdsaRawToDer(std::string_view raw) {
  if (raw.size() != 2 * kEs256CoordinateBytes) {
    return Refuse(Refusal::kToken,
                  absl::StrCat("ES256 signature must be 64 bytes (r||s), got ", raw.size()));
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  crypto::BignumPtr r(BN_bin2bn(bytes, kEs256CoordinateBytes, nullptr));
  crypto::BignumPtr s(BN_bin2bn(bytes + kEs256CoordinateBytes, kEs256CoordinateBytes, nullptr));
  crypto::EcdsaSigPtr sig(ECDSA_SIG_new());
  if (r == nullptr || s == nullptr || sig == nullptr ||
      ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    return crypto::OpenSslError(absl::StatusCode::kInternal, "building ECDSA signature");
  }
  r.release();  // owned by sig now
  s.release();
  int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0)
    return crypto::OpenSslError(absl::StatusCode::kInternal, "encoding ECDSA signature");
  std::string der(static_cast<size_t>(len), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ECDSA_SIG(sig.get(), &out) != len) {
    return crypto::OpenSslError(absl::StatusCode::kInternal, "encoding ECDSA signature");
  }
  return der;
}

}  // namespace

const char* JwsAlgorithmName(JwsAlgorithm alg) {
  return alg == JwsAlgorithm::kRs256 ? "RS256" : "ES256";
}

absl::StatusOr<CompactJws> ParseCompactJws(std::string_view token, size_t max_bytes) {
  if (token.size() > max_bytes) {
    return Refuse(Refusal::kToken,
                  absl::StrCat("token is larger than the ", max_bytes, "-byte limit"));
  }
  size_t dots = static_cast<size_t>(std::count(token.begin(), token.end(), '.'));
  if (dots != 2) {
    return Malformed(absl::StrCat("expected 3 dot-separated parts, got ", dots + 1));
  }
  size_t first = token.find('.');
  size_t second = token.find('.', first + 1);
  CompactJws jws;
  jws.signing_input = std::string(token.substr(0, second));
  jws.payload_b64 = std::string(token.substr(first + 1, second - first - 1));
  SVIDD_ASSIGN_OR_RETURN(json header, DecodeJsonPart(token.substr(0, first), "header"));
  SVIDD_RETURN_IF_ERROR(ReadHeader(header, jws));
  auto signature = Base64UrlDecode(token.substr(second + 1));
  if (!signature.ok()) return Malformed("signature is not base64url");
  jws.signature = *std::move(signature);
  return jws;
}

absl::StatusOr<JwsAlgorithm> AllowedAlgorithm(std::string_view alg) {
  if (alg == "RS256") return JwsAlgorithm::kRs256;
  if (alg == "ES256") return JwsAlgorithm::kEs256;
  std::string name(alg.substr(0, 32));
  if (alg == "none" || alg == "None" || alg == "NONE") {
    return Refuse(Refusal::kTokenAlgorithm,
                  "token algorithm \"none\" is not allowed (unsigned token)");
  }
  if (alg.substr(0, 2) == "HS") {
    return Refuse(Refusal::kTokenAlgorithm,
                  absl::StrCat("token algorithm ", name,
                               " is not allowed (symmetric HMAC with a public "
                               "key is key confusion); only RS256 and ES256"));
  }
  return Refuse(Refusal::kTokenAlgorithm, absl::StrCat("token algorithm \"", name,
                                                       "\" is not allowed; only RS256 and ES256"));
}

bool AlgorithmFitsKey(JwsAlgorithm alg, JwkType key_type) {
  return (alg == JwsAlgorithm::kRs256 && key_type == JwkType::kRsa) ||
         (alg == JwsAlgorithm::kEs256 && key_type == JwkType::kEcP256);
}

absl::Status VerifyJwsSignature(JwsAlgorithm alg, const EVP_PKEY* key,
                                std::string_view signing_input, std::string_view signature) {
  std::string der;
  if (alg == JwsAlgorithm::kEs256) {
    SVIDD_ASSIGN_OR_RETURN(der, EcdsaRawToDer(signature));
    signature = der;
  }
  crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr,
                                             const_cast<EVP_PKEY*>(key)) != 1) {
    return crypto::OpenSslError(absl::StatusCode::kInternal, "setting up signature verification");
  }
  int rc = EVP_DigestVerify(
      ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
      reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size());
  if (rc != 1) {
    crypto::ClearOpenSslErrors();  // a bad signature is an answer, not an internal failure
    return Refuse(Refusal::kTokenSignature, "token signature does not verify");
  }
  return absl::OkStatus();
}

absl::StatusOr<json> DecodeJwsPayload(const CompactJws& jws) {
  return DecodeJsonPart(jws.payload_b64, "payload");
}

}  // namespace svidd::auth
