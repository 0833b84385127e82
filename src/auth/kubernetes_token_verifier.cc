// Verification order: size and shape → algorithm allow-list → key (by kid, type must fit the
// algorithm) → signature → claims. The payload is only parsed once its signature holds.
#include "svidd/auth/kubernetes_token_verifier.h"

#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "auth/jwks_key_set.h"
#include "auth/jws.h"
#include "auth/token_claims.h"
#include "auth/verified_token_cache.h"
#include "svidd/auth/jwks_fetcher.h"
#include "svidd/common/refusal.h"
#include "svidd/common/status_macros.h"

namespace svidd::auth {
namespace {

constexpr std::chrono::seconds kReloadCheckInterval(1);
constexpr uintmax_t kMaxJwksBytes = 1 << 20;

struct FileStamp {
  std::filesystem::file_time_type mtime;
  uintmax_t size = 0;
};

absl::StatusOr<FileStamp> StatFile(const std::filesystem::path& path) {
  std::error_code ec;
  FileStamp stamp;
  stamp.mtime = std::filesystem::last_write_time(path, ec);
  if (!ec) stamp.size = std::filesystem::file_size(path, ec);
  if (ec) return absl::NotFoundError(absl::StrCat("cannot stat: ", ec.message()));
  return stamp;
}

absl::StatusOr<std::shared_ptr<const JwksKeySet>> LoadJwks(const std::filesystem::path& path,
                                                           uintmax_t size) {
  if (size > kMaxJwksBytes) {
    return absl::InvalidArgumentError(absl::StrCat("larger than ", kMaxJwksBytes, " bytes"));
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) return absl::NotFoundError("cannot read");
  return JwksKeySet::ParseText(text.str());
}

// Keys the token may be checked against: those with its kid (unknown kid is a refusal), or
// without a kid every key whose type fits the algorithm. A kid whose key is of the other
// type is refused as an algorithm/key mismatch.
absl::StatusOr<std::vector<const JwksKey*>> CandidateKeys(const JwksKeySet& keys,
                                                          const std::optional<std::string>& kid,
                                                          JwsAlgorithm alg) {
  std::vector<const JwksKey*> named;
  if (kid.has_value()) {
    named = keys.WithKid(*kid);
    if (named.empty()) {
      return Refuse(Refusal::kToken,
                    absl::StrCat("token key id \"", kid->substr(0, 64), "\" is not in the JWKS"));
    }
  } else {
    for (const JwksKey& key : keys.keys()) named.push_back(&key);
  }
  std::vector<const JwksKey*> fitting;
  for (const JwksKey* key : named) {
    if (AlgorithmFitsKey(alg, key->type)) fitting.push_back(key);
  }
  if (fitting.empty()) {
    return Refuse(Refusal::kTokenAlgorithm,
                  absl::StrCat("token algorithm ", JwsAlgorithmName(alg), " does not fit the ",
                               kid.has_value() ? absl::StrCat(named.front()->kty, " key \"",
                                                              kid->substr(0, 64), "\"")
                                               : std::string("keys in the JWKS")));
  }
  return fitting;
}

absl::Status VerifyWithAny(const std::vector<const JwksKey*>& keys, JwsAlgorithm alg,
                           const CompactJws& jws) {
  absl::Status last;
  for (const JwksKey* key : keys) {
    last = VerifyJwsSignature(alg, key->key.get(), jws.signing_input, jws.signature);
    if (last.ok()) return last;
  }
  return last;
}

}  // namespace

KubernetesTokenVerifier::KubernetesTokenVerifier(KubernetesTokenVerifierOptions options,
                                                 const Clock& clock)
    : options_(std::move(options)),
      clock_(clock),
      token_cache_(std::make_unique<VerifiedTokenCache>(options_.verified_token_cache_entries)) {}

KubernetesTokenVerifier::~KubernetesTokenVerifier() = default;

absl::StatusOr<std::unique_ptr<KubernetesTokenVerifier>> KubernetesTokenVerifier::Create(
    KubernetesTokenVerifierOptions options, const Clock& clock) {
  if (options.issuer.empty()) {
    return absl::InvalidArgumentError("token verifier: the issuer is required");
  }
  if (options.audience.empty()) {
    return absl::InvalidArgumentError("token verifier: the audience is required");
  }
  std::unique_ptr<KubernetesTokenVerifier> verifier(
      new KubernetesTokenVerifier(std::move(options), clock));
  if (verifier->options_.jwks_fetcher != nullptr) {
    if (verifier->options_.jwks_fetcher->Current() == nullptr) {
      return absl::FailedPreconditionError("token verifier: the JWKS fetcher has no keys");
    }
    return verifier;
  }
  const std::filesystem::path& path = verifier->options_.jwks_file;
  auto stamp = StatFile(path);
  auto keys = stamp.ok() ? LoadJwks(path, stamp->size) : stamp.status();
  if (!keys.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("JWKS file ", path.string(), ": ", std::string(keys.status().message())));
  }
  spdlog::info("loaded {} JWKS key(s) from {} ({} skipped)", (*keys)->keys().size(), path.string(),
               (*keys)->skipped());
  {
    MutexLock lock(&verifier->mu_);  // nobody else has it yet; the analysis cannot know
    verifier->keys_ = *std::move(keys);
    verifier->loaded_mtime_ = stamp->mtime;
    verifier->loaded_size_ = stamp->size;
    verifier->last_check_ = clock.Now();
  }
  return verifier;
}

std::shared_ptr<const JwksKeySet> KubernetesTokenVerifier::CurrentKeys() const {
  if (options_.jwks_fetcher != nullptr) return options_.jwks_fetcher->Current();
  MutexLock lock(&mu_);
  TimePoint now = clock_.Now();
  if (now >= last_check_ && now - last_check_ < kReloadCheckInterval) return keys_;
  last_check_ = now;
  const std::filesystem::path& path = options_.jwks_file;
  auto stamp = StatFile(path);
  if (!stamp.ok()) {
    spdlog::warn("JWKS file {}: {}; keeping the previous keys", path.string(),
                 std::string(stamp.status().message()));
    return keys_;
  }
  if (stamp->mtime == loaded_mtime_ && stamp->size == loaded_size_) return keys_;
  // Remember this version either way, so a broken file is reported once, not every second.
  loaded_mtime_ = stamp->mtime;
  loaded_size_ = stamp->size;
  auto keys = LoadJwks(path, stamp->size);
  if (!keys.ok()) {
    spdlog::warn("JWKS file {} changed but is invalid ({}); keeping the previous {} key(s)",
                 path.string(), std::string(keys.status().message()), keys_->keys().size());
    return keys_;
  }
  keys_ = *std::move(keys);
  spdlog::info("reloaded {} JWKS key(s) from {} ({} skipped)", keys_->keys().size(), path.string(),
               keys_->skipped());
  return keys_;
}

absl::StatusOr<KubernetesTokenClaims> KubernetesTokenVerifier::Verify(
    std::string_view token) const {
  std::shared_ptr<const JwksKeySet> keys = CurrentKeys();
  if (token.size() <= options_.max_token_bytes) {
    // A token verified before against these keys skips the signature check; every claim
    // rule (exp, nbf, iat, iss, aud, sub) is applied again below, at this call's `now`.
    if (auto payload = token_cache_->Find(token, keys, clock_.Now())) return CheckClaims(*payload);
  }
  SVIDD_ASSIGN_OR_RETURN(CompactJws jws, ParseCompactJws(token, options_.max_token_bytes));
  SVIDD_ASSIGN_OR_RETURN(JwsAlgorithm alg, AllowedAlgorithm(jws.alg));
  // Keys rotate: a kid the fetched set lacks makes the fetcher look again (rate-limited).
  if (options_.jwks_fetcher != nullptr && jws.kid.has_value() && keys->WithKid(*jws.kid).empty() &&
      options_.jwks_fetcher->RefreshForUnknownKid(*jws.kid)) {
    keys = CurrentKeys();
  }
  SVIDD_ASSIGN_OR_RETURN(auto candidates, CandidateKeys(*keys, jws.kid, alg));
  SVIDD_RETURN_IF_ERROR(VerifyWithAny(candidates, alg, jws));
  SVIDD_ASSIGN_OR_RETURN(nlohmann::json decoded, DecodeJwsPayload(jws));
  auto payload = std::make_shared<const nlohmann::json>(std::move(decoded));
  TimePoint now = clock_.Now();
  absl::StatusOr<KubernetesTokenClaims> claims = CheckClaims(*payload, now);
  if (claims.ok()) token_cache_->Insert(token, keys, std::move(payload), claims->expiry, now);
  return claims;
}

VerifiedTokenCacheStats KubernetesTokenVerifier::token_cache_stats() const {
  return token_cache_->stats();
}

absl::StatusOr<KubernetesTokenClaims> KubernetesTokenVerifier::CheckClaims(
    const nlohmann::json& payload, std::optional<TimePoint> now) const {
  TokenClaimRules rules{options_.issuer, options_.audience, options_.leeway,
                        now.value_or(clock_.Now())};
  return CheckTokenClaims(payload, rules);
}

}  // namespace svidd::auth
