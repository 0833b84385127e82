#include "support/jwt/test_jwt.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/hmac.h>

#include <nlohmann/json.hpp>

#include "svidd/common/base64url.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/keys.h"

namespace svidd::testing {
namespace {

using json = nlohmann::json;

std::string BignumParam(const EVP_PKEY* key, const char* name, int pad_to = 0) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    ADD_FAILURE() << "reading key parameter " << name;
    return "";
  }
  crypto::BignumPtr bn(raw);
  std::string out(pad_to > 0 ? pad_to : BN_num_bytes(bn.get()), '\0');
  auto* buf = reinterpret_cast<unsigned char*>(out.data());
  if (pad_to > 0) {
    BN_bn2binpad(bn.get(), buf, pad_to);
  } else {
    BN_bn2bin(bn.get(), buf);
  }
  return Base64UrlEncode(out);
}

json PublicJwk(const TestSigningKey& key) {
  json jwk = {{"kid", key.kid}, {"use", "sig"}, {"alg", key.alg}};
  if (key.alg == "RS256") {
    jwk["kty"] = "RSA";
    jwk["n"] = BignumParam(key.key.get(), OSSL_PKEY_PARAM_RSA_N);
    jwk["e"] = BignumParam(key.key.get(), OSSL_PKEY_PARAM_RSA_E);
  } else {
    jwk["kty"] = "EC";
    jwk["crv"] = "P-256";
    jwk["x"] = BignumParam(key.key.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32);
    jwk["y"] = BignumParam(key.key.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32);
  }
  return jwk;
}

absl::StatusOr<TestSigningKey> MakeKey(crypto::KeyType type, const std::string& kid,
                                       const char* alg) {
  auto key = GenerateKey(type);
  if (!key.ok()) return key.status();
  return TestSigningKey{*std::move(key), kid, alg};
}

// DER ECDSA-Sig-Value → JWS's raw r||s.
std::string EcdsaDerToRaw(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  crypto::EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (sig == nullptr) {
    ADD_FAILURE() << "decoding ECDSA signature";
    return "";
  }
  std::string raw(64, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + 32, 32);
  return raw;
}

std::string Sign(const TestSigningKey& key, const std::string& input) {
  crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  size_t len = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, data, input.size()) != 1) {
    ADD_FAILURE() << "setting up signing";
    return "";
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, data,
                     input.size()) != 1) {
    ADD_FAILURE() << "signing";
    return "";
  }
  sig.resize(len);
  return key.alg == "ES256" ? EcdsaDerToRaw(sig) : sig;
}

std::string HeaderJson(const std::string& alg, const std::optional<std::string>& kid) {
  json header = {{"alg", alg}, {"typ", "JWT"}};
  if (kid.has_value() && !kid->empty()) header["kid"] = *kid;
  return header.dump();
}

std::string Unsigned(const std::string& header_json, const std::string& payload_json) {
  return Base64UrlEncode(header_json) + "." + Base64UrlEncode(payload_json);
}

}  // namespace

absl::StatusOr<TestSigningKey> MakeRs256Key(const std::string& kid) {
  return MakeKey(crypto::KeyType::kRsa2048, kid, "RS256");
}

absl::StatusOr<TestSigningKey> MakeEs256Key(const std::string& kid) {
  return MakeKey(crypto::KeyType::kEcP256, kid, "ES256");
}

std::string JwksJson(const std::vector<const TestSigningKey*>& keys) {
  json list = json::array();
  for (const TestSigningKey* key : keys) list.push_back(PublicJwk(*key));
  return json{{"keys", list}}.dump();
}

std::string TokenPayloadJson(const TokenSpec& spec) {
  int64_t iat = ToUnixSeconds(spec.iat);
  json payload = {
      {"iss", spec.issuer},
      {"sub", spec.subject.value_or("system:serviceaccount:" + spec.ns + ":" + spec.sa)},
      {"iat", iat},
      {"nbf", iat},
      {"exp", iat + spec.ttl.count()},
  };
  if (spec.aud_as_string && spec.audiences.size() == 1) {
    payload["aud"] = spec.audiences.front();
  } else {
    payload["aud"] = spec.audiences;
  }
  if (spec.kubernetes_claim) {
    payload["kubernetes.io"] = {
        {"namespace", spec.ns},
        {"serviceaccount", {{"name", spec.sa}, {"uid", "5f0c1a2b-0000-4000-8000-000000000001"}}},
        {"pod", {{"name", spec.sa + "-pod"}, {"uid", "5f0c1a2b-0000-4000-8000-000000000002"}}},
    };
  }
  return payload.dump();
}

std::string SignCompact(const TestSigningKey& key, const std::string& header_json,
                        const std::string& payload_json) {
  std::string input = Unsigned(header_json, payload_json);
  return input + "." + Base64UrlEncode(Sign(key, input));
}

std::string MintToken(const TestSigningKey& key, const TokenSpec& spec) {
  std::string header = HeaderJson(spec.alg_override.value_or(key.alg),
                                  spec.kid_override.has_value() ? spec.kid_override : key.kid);
  return SignCompact(key, header, TokenPayloadJson(spec));
}

std::string MintUnsignedToken(const TokenSpec& spec) {
  return Unsigned(HeaderJson("none", spec.kid_override), TokenPayloadJson(spec)) + ".";
}

std::string MintHs256Token(const std::string& secret, const TokenSpec& spec) {
  std::string input = Unsigned(HeaderJson("HS256", spec.kid_override), TokenPayloadJson(spec));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac,
           &len) == nullptr) {
    ADD_FAILURE() << "HMAC";
    return "";
  }
  return input + "." + Base64UrlEncode(std::string(reinterpret_cast<char*>(mac), len));
}

}  // namespace svidd::testing
