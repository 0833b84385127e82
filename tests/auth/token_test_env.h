// A JWKS file in a temporary directory, two signing keys (RSA and EC) and a fake clock: what
// token-verifier and authenticator tests share.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "support/jwt/test_jwt.h"
#include "svidd/auth/kubernetes_token_verifier.h"
#include "svidd/common/clock.h"

namespace svidd::testing {

inline constexpr char kTestIssuer[] = "https://kubernetes.default.svc.cluster.local";

class TokenTestEnv {
 public:
  TokenTestEnv();
  ~TokenTestEnv();

  // Replaces the JWKS file's content (atomically, as kubelet-style updaters do).
  void WriteJwks(const std::string& content);
  std::unique_ptr<auth::KubernetesTokenVerifier> MakeVerifier(
      std::chrono::seconds leeway = std::chrono::seconds(30));

  // A spec for system:serviceaccount:foo:bar issued now.
  TokenSpec Spec() const;

  FakeClock& clock() { return clock_; }
  const TestSigningKey& rsa() const { return rsa_; }
  const TestSigningKey& ec() const { return ec_; }
  const std::filesystem::path& jwks_path() const { return jwks_path_; }

 private:
  FakeClock clock_;
  std::filesystem::path dir_;
  std::filesystem::path jwks_path_;
  TestSigningKey rsa_;
  TestSigningKey ec_;
};

}  // namespace svidd::testing
