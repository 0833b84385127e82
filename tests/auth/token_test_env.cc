#include "auth/token_test_env.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "svidd/common/atomic_file.h"
#include "svidd/common/time_format.h"

namespace svidd::testing {

TokenTestEnv::TokenTestEnv()
    : clock_(FromUnixSeconds(1'800'000'000)),
      rsa_(MakeRs256Key("rsa-1").value()),
      ec_(MakeEs256Key("ec-1").value()) {
  std::string pattern = (std::filesystem::temp_directory_path() / "svidd-auth-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp";
  dir_ = pattern;
  jwks_path_ = dir_ / "jwks.json";
  WriteJwks(JwksJson({&rsa_, &ec_}));
}

TokenTestEnv::~TokenTestEnv() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void TokenTestEnv::WriteJwks(const std::string& content) {
  ASSERT_TRUE(WriteFileAtomically(jwks_path_, content).ok());
}

std::unique_ptr<auth::KubernetesTokenVerifier> TokenTestEnv::MakeVerifier(
    std::chrono::seconds leeway) {
  auth::KubernetesTokenVerifierOptions options;
  options.jwks_file = jwks_path_;
  options.issuer = kTestIssuer;
  options.leeway = leeway;
  auto verifier = auth::KubernetesTokenVerifier::Create(options, clock_);
  EXPECT_TRUE(verifier.ok()) << verifier.status();
  return verifier.ok() ? *std::move(verifier) : nullptr;
}

TokenSpec TokenTestEnv::Spec() const {
  TokenSpec spec;
  spec.issuer = kTestIssuer;
  spec.ns = "foo";
  spec.sa = "bar";
  spec.iat = clock_.Now();
  return spec;
}

}  // namespace svidd::testing
