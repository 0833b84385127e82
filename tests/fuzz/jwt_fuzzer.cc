// Service-account tokens (the bearer credential of the Istio and rotation APIs) through the
// whole verifier, with a fixed JWKS (tests/fuzz/data/jwks.json, the seeds' keys) and a fixed
// clock; and, since a mutated token never carries a valid signature, the compact-JWS parser
// and the claim rules on the decoded payload directly, so the fuzzer reaches them too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "auth/jws.h"
#include "auth/token_claims.h"
#include "fuzz/fuzz_fixture.h"
#include "svidd/auth/kubernetes_token_verifier.h"

namespace {

using svidd::fuzzing::FuzzNow;

const svidd::auth::KubernetesTokenVerifier& Verifier() {
  static svidd::FakeClock clock(FuzzNow());
  static std::unique_ptr<svidd::auth::KubernetesTokenVerifier> verifier = [] {
    svidd::auth::KubernetesTokenVerifierOptions options;
    options.jwks_file = svidd::fuzzing::FuzzDataPath("jwks.json");
    options.issuer = svidd::fuzzing::kSeedIssuer;
    options.audience = svidd::fuzzing::kSeedAudience;
    auto created = svidd::auth::KubernetesTokenVerifier::Create(options, clock);
    if (!created.ok()) std::abort();  // the checked-in JWKS must load
    return *std::move(created);
  }();
  return *verifier;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view token(reinterpret_cast<const char*>(data), size);
  auto claims = Verifier().Verify(token);
  if (claims.ok() && (claims->namespace_name.empty() || claims->service_account.empty())) {
    std::abort();
  }
  auto jws = svidd::auth::ParseCompactJws(token, 16 * 1024);
  if (!jws.ok()) return 0;
  (void)svidd::auth::AllowedAlgorithm(jws->alg);
  auto payload = svidd::auth::DecodeJwsPayload(*jws);
  if (!payload.ok()) return 0;
  svidd::auth::TokenClaimRules rules{svidd::fuzzing::kSeedIssuer, svidd::fuzzing::kSeedAudience,
                                     std::chrono::seconds(30), FuzzNow()};
  (void)svidd::auth::CheckTokenClaims(*payload, rules);
  return 0;
}
