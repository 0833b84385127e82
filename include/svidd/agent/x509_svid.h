// The agent's current X509-SVID: its chain (leaf first, intermediates after, no root) and
// private key, in every encoding the outputs need. Immutable once made; shared as
// shared_ptr<const X509Svid>.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/crypto/ssl_ptr.h"
#include "svidd/spiffe/spiffe_id.h"

namespace svidd::agent {

class X509Svid {
 public:
  // INVALID_ARGUMENT unless `chain` is non-empty, `key` is the leaf's private key, and the
  // leaf has exactly one URI SAN holding a SPIFFE ID. `issued_at`: when the certificate was
  // received (or written), if known; see lifetime_start().
  static absl::StatusOr<std::shared_ptr<const X509Svid>> Create(
      std::vector<crypto::X509Ptr> chain, crypto::EvpPkeyPtr key,
      std::optional<TimePoint> issued_at = {});

  const spiffe::SpiffeId& id() const { return id_; }
  const X509* leaf() const { return chain_.front().get(); }
  const std::vector<crypto::X509Ptr>& chain() const { return chain_; }
  const EVP_PKEY* key() const { return key_.get(); }
  const std::string& serial() const { return serial_; }
  TimePoint not_before() const { return not_before_; }
  TimePoint not_after() const { return not_after_; }
  bool ValidAt(TimePoint t) const { return not_before_ <= t && t < not_after_; }
  // Where its lifetime counts from (Lifetime::Of): issued_at within [not_before, not_after],
  // else not_before. svidd backdates NotBefore (2 minutes) against clock skew, which would make a
  // 20-second certificate look three-quarters spent at birth.
  TimePoint lifetime_start() const { return lifetime_start_; }

  const std::string& chain_pem() const { return chain_pem_; }  // cert-chain.pem
  const std::string& key_pem() const { return key_pem_; }      // key.pem, PKCS#8
  const std::string& chain_der() const { return chain_der_; }  // DER, leaf first, concatenated
  const std::string& key_der() const { return key_der_; }      // PKCS#8 DER

 private:
  X509Svid(spiffe::SpiffeId id, std::vector<crypto::X509Ptr> chain, crypto::EvpPkeyPtr key)
      : id_(std::move(id)), chain_(std::move(chain)), key_(std::move(key)) {}
  absl::Status Encode();

  spiffe::SpiffeId id_;
  std::vector<crypto::X509Ptr> chain_;
  crypto::EvpPkeyPtr key_;
  std::string serial_;
  TimePoint not_before_, not_after_, lifetime_start_;
  std::string chain_pem_, key_pem_, chain_der_, key_der_;
};

}  // namespace svidd::agent
