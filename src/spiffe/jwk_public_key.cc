#include "spiffe/jwk_public_key.h"

#include <openssl/core_names.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "svidd/common/base64url.h"
#include "svidd/common/status_macros.h"
#include "svidd/crypto/keys.h"

namespace svidd::spiffe::internal {
namespace {

using ordered_json = nlohmann::ordered_json;

absl::StatusOr<crypto::BignumPtr> BnParam(const EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    return crypto::OpenSslError(absl::StatusCode::kInternal,
                                absl::StrCat("reading key parameter ", name));
  }
  return crypto::BignumPtr(raw);
}

// Big-endian bytes of `bn`, left-padded to `width` (0: the minimum number of octets).
absl::StatusOr<std::string> BnBytes(const BIGNUM* bn, int width) {
  const int size = width > 0 ? width : BN_num_bytes(bn);
  std::string out(static_cast<size_t>(size), '\0');
  if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), size) != size) {
    return crypto::OpenSslError(absl::StatusCode::kInternal, "encoding a key parameter");
  }
  return out;
}

// JWK "crv" names (RFC 7518 §6.2.1.1) are the NIST names DescribeKey already uses.
absl::StatusOr<std::string> CurveName(const EVP_PKEY* key) {
  SVIDD_ASSIGN_OR_RETURN(crypto::KeyDescription description, crypto::DescribeKey(key));
  const std::string& name = description.curve;
  if (name == "P-256" || name == "P-384" || name == "P-521") return name;
  return absl::InvalidArgumentError(absl::StrCat("EC curve ", name, " has no JWK name"));
}

absl::StatusOr<ordered_json> EcMembers(const EVP_PKEY* key) {
  SVIDD_ASSIGN_OR_RETURN(std::string crv, CurveName(key));
  SVIDD_ASSIGN_OR_RETURN(crypto::BignumPtr x, BnParam(key, OSSL_PKEY_PARAM_EC_PUB_X));
  SVIDD_ASSIGN_OR_RETURN(crypto::BignumPtr y, BnParam(key, OSSL_PKEY_PARAM_EC_PUB_Y));
  const int width = (EVP_PKEY_get_bits(key) + 7) / 8;  // the field size, P-521: 66
  SVIDD_ASSIGN_OR_RETURN(std::string x_bytes, BnBytes(x.get(), width));
  SVIDD_ASSIGN_OR_RETURN(std::string y_bytes, BnBytes(y.get(), width));
  return ordered_json{{"kty", "EC"},
                      {"crv", crv},
                      {"x", Base64UrlEncode(x_bytes)},
                      {"y", Base64UrlEncode(y_bytes)}};
}

absl::StatusOr<ordered_json> RsaMembers(const EVP_PKEY* key) {
  SVIDD_ASSIGN_OR_RETURN(crypto::BignumPtr n, BnParam(key, OSSL_PKEY_PARAM_RSA_N));
  SVIDD_ASSIGN_OR_RETURN(crypto::BignumPtr e, BnParam(key, OSSL_PKEY_PARAM_RSA_E));
  SVIDD_ASSIGN_OR_RETURN(std::string n_bytes, BnBytes(n.get(), 0));
  SVIDD_ASSIGN_OR_RETURN(std::string e_bytes, BnBytes(e.get(), 0));
  return ordered_json{
      {"kty", "RSA"}, {"n", Base64UrlEncode(n_bytes)}, {"e", Base64UrlEncode(e_bytes)}};
}

absl::StatusOr<ordered_json> Ed25519Members(const EVP_PKEY* key) {
  unsigned char raw[32];
  size_t len = sizeof(raw);
  if (EVP_PKEY_get_raw_public_key(key, raw, &len) != 1) {
    return crypto::OpenSslError(absl::StatusCode::kInternal, "reading the Ed25519 public key");
  }
  const std::string x(reinterpret_cast<const char*>(raw), len);
  return ordered_json{{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", Base64UrlEncode(x)}};
}

}  // namespace

absl::StatusOr<ordered_json> PublicJwkMembers(const EVP_PKEY* key) {
  if (key == nullptr) return absl::InvalidArgumentError("no public key");
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_EC:
      return EcMembers(key);
    case EVP_PKEY_RSA:
      return RsaMembers(key);
    case EVP_PKEY_ED25519:
      return Ed25519Members(key);
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("a ", OBJ_nid2sn(EVP_PKEY_get_base_id(key)),
                       " key cannot be written as a JWK (supported: EC, RSA, Ed25519)"));
  }
}

}  // namespace svidd::spiffe::internal
