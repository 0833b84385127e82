// The public keys of one JWKS document (RFC 7517), as OpenSSL keys. Supported: RSA (n, e) of
// at least 2048 bits and EC P-256 (crv, x, y). Other keys (oct, OKP, other curves, "use":"enc",
// an "alg" other than RS256/ES256) are skipped and counted, so a JWKS that also publishes keys
// we cannot use still works. A supported key with broken fields makes the document invalid.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "svidd/crypto/ssl_ptr.h"

namespace svidd::auth {

enum class JwkType { kRsa, kEcP256 };

struct JwksKey {
  std::string kid;  // "" when the JWK has none
  std::string kty;  // "RSA" or "EC", as written in the document
  JwkType type;
  crypto::EvpPkeyPtr key;  // public key
};

class JwksKeySet {
 public:
  // INVALID_ARGUMENT naming what is wrong: not an object, no "keys" array, a broken RSA/EC
  // key, or no usable key at all.
  static absl::StatusOr<std::shared_ptr<const JwksKeySet>> Parse(const nlohmann::json& document);
  // Parses JSON text first (no exceptions escape).
  static absl::StatusOr<std::shared_ptr<const JwksKeySet>> ParseText(std::string_view text);

  const std::vector<JwksKey>& keys() const { return keys_; }
  size_t skipped() const { return skipped_; }

  // Keys whose kid equals `kid`, in document order.
  std::vector<const JwksKey*> WithKid(std::string_view kid) const;

 private:
  JwksKeySet(std::vector<JwksKey> keys, size_t skipped)
      : keys_(std::move(keys)), skipped_(skipped) {}
  static absl::StatusOr<std::shared_ptr<const JwksKeySet>> ParseDocument(
      const nlohmann::json& document);
  std::vector<JwksKey> keys_;
  size_t skipped_ = 0;
};

}  // namespace svidd::auth
