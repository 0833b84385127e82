// Offline verification of Kubernetes projected service-account tokens (JWS, RS256/ES256)
// against a JWKS file (re-read when it changes, without a restart) or a JWKS fetched over
// HTTPS (jwks_fetcher.h; fetched again when a token names a kid it lacks).
// The algorithm is taken from the key, never trusted from the token: RS256 needs an RSA key,
// ES256 a P-256 key; "none", HS*, and anything else are refused.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "nlohmann/json_fwd.hpp"
#include "svidd/common/clock.h"
#include "svidd/common/mutex.h"

namespace svidd::auth {

struct KubernetesTokenClaims {
  std::string issuer;
  std::string subject;  // system:serviceaccount:<ns>:<sa>
  std::string namespace_name;
  std::string service_account;
  TimePoint expiry;
};

class JwksFetcher;

struct KubernetesTokenVerifierOptions {
  std::filesystem::path jwks_file;      // either this
  JwksFetcher* jwks_fetcher = nullptr;  // or this (not owned; outlives the verifier)
  std::string issuer;                   // required: tokens from other issuers are refused
  std::string audience = "istio-ca";    // must be among the token's `aud`
  std::chrono::seconds leeway = std::chrono::seconds(30);  // for exp / nbf / iat
  size_t max_token_bytes = 16 * 1024;
  // Tokens whose signature verified are remembered (until their exp, while the key set is
  // unchanged) so that a reused token skips the signature check; 0 turns this off.
  size_t verified_token_cache_entries = 4096;
};

// What the verified-token cache did since the verifier was made: lookups it answered (the
// signature check skipped), lookups it could not answer, and the tokens it holds now.
struct VerifiedTokenCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  size_t entries = 0;
};

class JwksKeySet;          // parsed keys of one JWKS document (src/auth/jwks_key_set.h)
class VerifiedTokenCache;  // src/auth/verified_token_cache.h

class KubernetesTokenVerifier {
 public:
  // Loads the JWKS once; FAILED_PRECONDITION naming the file if it is missing or invalid.
  static absl::StatusOr<std::unique_ptr<KubernetesTokenVerifier>> Create(
      KubernetesTokenVerifierOptions options, const Clock& clock);
  ~KubernetesTokenVerifier();

  // UNAUTHENTICATED with the exact reason: malformed token, unknown key, bad signature,
  // algorithm not allowed, expired, not yet valid, wrong issuer, wrong audience, subject not
  // a service account, claims that disagree with each other.
  absl::StatusOr<KubernetesTokenClaims> Verify(std::string_view token) const;

  VerifiedTokenCacheStats token_cache_stats() const;

 private:
  KubernetesTokenVerifier(KubernetesTokenVerifierOptions options, const Clock& clock);
  // Re-reads the JWKS if the file's size or mtime changed (checked at most once a second).
  // A file that became invalid is logged and the previous keys are kept.
  std::shared_ptr<const JwksKeySet> CurrentKeys() const;
  // The claim rules of src/auth/token_claims.h at `now` (the clock's now if none).
  absl::StatusOr<KubernetesTokenClaims> CheckClaims(const nlohmann::json& payload,
                                                    std::optional<TimePoint> now = {}) const;

  KubernetesTokenVerifierOptions options_;
  const Clock& clock_;
  mutable Mutex mu_;
  mutable std::shared_ptr<const JwksKeySet> keys_ ABSL_GUARDED_BY(mu_);
  mutable std::filesystem::file_time_type loaded_mtime_ ABSL_GUARDED_BY(mu_){};
  mutable uintmax_t loaded_size_ ABSL_GUARDED_BY(mu_) = 0;
  mutable TimePoint last_check_ ABSL_GUARDED_BY(mu_){};
  std::unique_ptr<VerifiedTokenCache> token_cache_;
};

}  // namespace svidd::auth
