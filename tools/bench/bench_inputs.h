// What the unary benchmark sends, made before the clock starts: CSRs from svid-agent's own CSR
// maker (MakeIstioCsr, the shape istio-agent sends), one workload identity per CSR, and that
// workload's Kubernetes service-account token (signed for real, reused across its calls as
// istio-agent reuses its token).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "support/jwt/test_jwt.h"
#include "svidd/crypto/keys.h"

namespace svidd::bench {

inline constexpr char kBenchIssuer[] = "https://kubernetes.default.svc.cluster.local";

struct BenchInput {
  std::string spiffe_id;
  std::string csr_pem;
  std::string token;
};

// `count` workloads spiffe://<trust_domain>/ns/bench/sa/w<i>, each with a fresh key of `type`.
absl::StatusOr<std::vector<BenchInput>> MakeBenchInputs(crypto::KeyType type, int count,
                                                        const testing::TestSigningKey& jwt_key,
                                                        const std::string& trust_domain);

}  // namespace svidd::bench
