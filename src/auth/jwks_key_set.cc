#include "auth/jwks_key_set.h"

#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "svidd/common/base64url.h"
#include "svidd/common/status_macros.h"

namespace svidd::auth {
namespace {

using json = nlohmann::json;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)>;
using ParamsPtr = std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)>;

constexpr int kMinRsaBits = 2048;
constexpr size_t kP256CoordinateBytes = 32;

// A key we parsed, or nullopt for a key we deliberately skip.
using MaybeKey = std::optional<JwksKey>;

absl::Status Invalid(const std::string& where, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", std::string(what)));
}

// The string member `name`, nullopt if absent; an error if present but not a string.
absl::StatusOr<std::optional<std::string>> OptionalString(const json& jwk, const char* name,
                                                          const std::string& where) {
  auto it = jwk.find(name);
  if (it == jwk.end()) return std::optional<std::string>();
  if (!it->is_string()) return Invalid(where, absl::StrCat("\"", name, "\" is not a string"));
  return std::optional<std::string>(it->get<std::string>());
}

// A required base64url member, decoded; never empty.
absl::StatusOr<std::string> DecodedField(const json& jwk, const char* name,
                                         const std::string& where) {
  SVIDD_ASSIGN_OR_RETURN(auto text, OptionalString(jwk, name, where));
  if (!text.has_value() || text->empty()) {
    return Invalid(where, absl::StrCat("\"", name, "\" is missing"));
  }
  auto bytes = Base64UrlDecode(*text);
  if (!bytes.ok()) {
    return Invalid(where, absl::StrCat("\"", name, "\": ", std::string(bytes.status().message())));
  }
  return *std::move(bytes);
}

// EVP_PKEY_fromdata for a public key of `type` ("RSA" / "EC"), then OpenSSL's public-key check
// (RSA: n odd, e sane; EC: the point lies on the curve).
absl::StatusOr<crypto::EvpPkeyPtr> PublicKeyFromParams(const char* type, OSSL_PARAM_BLD* bld,
                                                       const std::string& where) {
  ParamsPtr params(OSSL_PARAM_BLD_to_param(bld), &OSSL_PARAM_free);
  crypto::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (params == nullptr || ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return crypto::OpenSslError(absl::StatusCode::kInvalidArgument,
                                absl::StrCat(where, ": not a valid ", type, " public key"));
  }
  crypto::EvpPkeyPtr key(raw);
  crypto::EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (check == nullptr || EVP_PKEY_public_check(check.get()) != 1) {
    return crypto::OpenSslError(absl::StatusCode::kInvalidArgument,
                                absl::StrCat(where, ": ", type, " public key fails validation"));
  }
  return key;
}

absl::StatusOr<MaybeKey> RsaKey(const json& jwk, const std::string& where) {
  SVIDD_ASSIGN_OR_RETURN(std::string n, DecodedField(jwk, "n", where));
  SVIDD_ASSIGN_OR_RETURN(std::string e, DecodedField(jwk, "e", where));
  auto bytes = [](const std::string& s) {
    return reinterpret_cast<const unsigned char*>(s.data());
  };
  crypto::BignumPtr bn_n(BN_bin2bn(bytes(n), static_cast<int>(n.size()), nullptr));
  crypto::BignumPtr bn_e(BN_bin2bn(bytes(e), static_cast<int>(e.size()), nullptr));
  if (bn_n == nullptr || bn_e == nullptr) {
    return crypto::OpenSslError(absl::StatusCode::kInternal, "allocating RSA numbers");
  }
  if (BN_num_bits(bn_n.get()) < kMinRsaBits) return MaybeKey();  // too weak: skip
  ParamBldPtr bld(OSSL_PARAM_BLD_new(), &OSSL_PARAM_BLD_free);
  if (bld == nullptr || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return crypto::OpenSslError(absl::StatusCode::kInternal, "building RSA key parameters");
  }
  SVIDD_ASSIGN_OR_RETURN(crypto::EvpPkeyPtr key, PublicKeyFromParams("RSA", bld.get(), where));
  return MaybeKey(JwksKey{"", "RSA", JwkType::kRsa, std::move(key)});
}

absl::StatusOr<MaybeKey> EcKey(const json& jwk, const std::string& where) {
  SVIDD_ASSIGN_OR_RETURN(auto crv, OptionalString(jwk, "crv", where));
  if (!crv.has_value()) return Invalid(where, "\"crv\" is missing");
  if (*crv != "P-256") return MaybeKey();  // another curve: skip
  SVIDD_ASSIGN_OR_RETURN(std::string x, DecodedField(jwk, "x", where));
  SVIDD_ASSIGN_OR_RETURN(std::string y, DecodedField(jwk, "y", where));
  if (x.size() != kP256CoordinateBytes || y.size() != kP256CoordinateBytes) {
    return Invalid(where, "P-256 \"x\" and \"y\" must be 32 bytes each");
  }
  std::string point = absl::StrCat("\x04", x, y);  // uncompressed SEC1 point
  ParamBldPtr bld(OSSL_PARAM_BLD_new(), &OSSL_PARAM_BLD_free);
  if (bld == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return crypto::OpenSslError(absl::StatusCode::kInternal, "building EC key parameters");
  }
  SVIDD_ASSIGN_OR_RETURN(crypto::EvpPkeyPtr key, PublicKeyFromParams("EC", bld.get(), where));
  return MaybeKey(JwksKey{"", "EC", JwkType::kEcP256, std::move(key)});
}

// One JWK: a key, nullopt when it is of a kind we skip, or an error when it is broken.
absl::StatusOr<MaybeKey> ParseJwk(const json& jwk, size_t index) {
  std::string where = absl::StrCat("JWKS key #", index);
  if (!jwk.is_object()) return Invalid(where, "not a JSON object");
  SVIDD_ASSIGN_OR_RETURN(auto kid, OptionalString(jwk, "kid", where));
  if (kid.has_value()) absl::StrAppend(&where, " (kid \"", *kid, "\")");
  SVIDD_ASSIGN_OR_RETURN(auto kty, OptionalString(jwk, "kty", where));
  SVIDD_ASSIGN_OR_RETURN(auto use, OptionalString(jwk, "use", where));
  SVIDD_ASSIGN_OR_RETURN(auto alg, OptionalString(jwk, "alg", where));
  if (!kty.has_value()) return Invalid(where, "\"kty\" is missing");
  if (use.has_value() && *use != "sig") return MaybeKey();
  MaybeKey key;
  if (*kty == "RSA" && (!alg.has_value() || *alg == "RS256")) {
    SVIDD_ASSIGN_OR_RETURN(key, RsaKey(jwk, where));
  } else if (*kty == "EC" && (!alg.has_value() || *alg == "ES256")) {
    SVIDD_ASSIGN_OR_RETURN(key, EcKey(jwk, where));
  }
  if (key.has_value()) key->kid = kid.value_or("");
  return key;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const JwksKeySet>> JwksKeySet::Parse(const json& document) {
  try {
    return ParseDocument(document);
  } catch (const json::exception& e) {  // not expected: every access is type-checked first
    return absl::InvalidArgumentError(absl::StrCat("JWKS: ", e.what()));
  }
}

absl::StatusOr<std::shared_ptr<const JwksKeySet>> JwksKeySet::ParseDocument(const json& document) {
  if (!document.is_object()) return absl::InvalidArgumentError("JWKS is not a JSON object");
  auto it = document.find("keys");
  if (it == document.end() || !it->is_array()) {
    return absl::InvalidArgumentError("JWKS has no \"keys\" array");
  }
  if (it->empty()) return absl::InvalidArgumentError("JWKS \"keys\" array is empty");
  std::vector<JwksKey> keys;
  size_t skipped = 0;
  for (size_t i = 0; i < it->size(); ++i) {
    SVIDD_ASSIGN_OR_RETURN(MaybeKey key, ParseJwk((*it)[i], i));
    if (key.has_value()) {
      keys.push_back(*std::move(key));
    } else {
      ++skipped;
    }
  }
  if (keys.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "JWKS has no usable key (", skipped, " skipped; supported: RSA >= 2048 bits, EC P-256)"));
  }
  return std::shared_ptr<const JwksKeySet>(new JwksKeySet(std::move(keys), skipped));
}

absl::StatusOr<std::shared_ptr<const JwksKeySet>> JwksKeySet::ParseText(std::string_view text) {
  json document = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return absl::InvalidArgumentError("JWKS is not valid JSON");
  return Parse(document);
}

std::vector<const JwksKey*> JwksKeySet::WithKid(std::string_view kid) const {
  std::vector<const JwksKey*> out;
  for (const JwksKey& key : keys_) {
    if (key.kid == kid) out.push_back(&key);
  }
  return out;
}

}  // namespace svidd::auth
