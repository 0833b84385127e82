#include "bench/bench_inputs.h"

#include "absl/strings/str_cat.h"
#include "svidd/agent/csr_maker.h"
#include "svidd/common/status_macros.h"
#include "svidd/spiffe/spiffe_id.h"

namespace svidd::bench {

absl::StatusOr<std::vector<BenchInput>> MakeBenchInputs(crypto::KeyType type, int count,
                                                        const testing::TestSigningKey& jwt_key,
                                                        const std::string& trust_domain) {
  std::vector<BenchInput> inputs;
  inputs.reserve(count);
  const TimePoint now = SystemClock::Instance().Now();
  for (int i = 0; i < count; ++i) {
    const std::string sa = absl::StrCat("w", i);
    SVIDD_ASSIGN_OR_RETURN(spiffe::SpiffeId id,
                           spiffe::SpiffeId::ForServiceAccount(trust_domain, "bench", sa));
    SVIDD_ASSIGN_OR_RETURN(crypto::EvpPkeyPtr key, GenerateKey(type));
    BenchInput input;
    input.spiffe_id = id.str();
    SVIDD_ASSIGN_OR_RETURN(input.csr_pem, agent::MakeIstioCsr(id, key.get()));
    testing::TokenSpec spec;
    spec.issuer = kBenchIssuer;
    spec.ns = "bench";
    spec.sa = sa;
    spec.iat = now;
    spec.ttl = std::chrono::hours(2);
    input.token = testing::MintToken(jwt_key, spec);
    if (input.token.empty()) return absl::InternalError("cannot sign a benchmark token");
    inputs.push_back(std::move(input));
  }
  return inputs;
}

}  // namespace svidd::bench
