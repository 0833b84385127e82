#include "svidd/auth/authenticator.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "auth/token_test_env.h"
#include "support/pki/external_verify.h"
#include "svidd/crypto/keys.h"
#include "svidd/pki/leaf_profile.h"

namespace svidd::testing {
namespace {

using std::chrono::hours;

constexpr char kTrustDomain[] = "cluster.local";
constexpr char kWorkload[] = "spiffe://cluster.local/ns/foo/sa/bar";

// Our own interface, so a fake: a set of revoked serials, or a failing store.
class FakeRevocations final : public auth::RevocationChecker {
 public:
  absl::StatusOr<bool> IsRevoked(std::string_view serial_hex) const override {
    if (!error.ok()) return error;
    return revoked.count(std::string(serial_hex)) > 0;
  }
  std::set<std::string> revoked;
  absl::Status error;
};

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    verifier_ = env_.MakeVerifier();
    auto authority = MakeTestAuthority(env_.clock().Now());
    ASSERT_TRUE(authority.ok()) << authority.status();
    authority_ = *std::move(authority);
  }

  auth::Authenticator Make(const auth::KubernetesTokenVerifier* verifier,
                           const std::string& trust_domain = kTrustDomain) {
    return auth::Authenticator(trust_domain, verifier, revocations_, env_.clock());
  }

  // A leaf for `id` signed by `authority`, valid 1h from now; chain PEM leaf first.
  pki::IssuedCertificate Issue(const pki::Authority& authority, const std::string& id) {
    auto key = GenerateKey(crypto::KeyType::kEcP256).value();
    auto profile = BuildLeafProfile(spiffe::SpiffeId::Parse(id).value(), hours(1), pki::TtlPolicy{},
                                    env_.clock().Now(), authority.not_after());
    EXPECT_TRUE(profile.ok()) << profile.status();
    auto issued = authority.SignLeaf(*profile, key.get());
    EXPECT_TRUE(issued.ok()) << issued.status();
    return *std::move(issued);
  }

  auth::CallCredentials WithCert(const pki::Authority& authority,
                                 pki::IssuedCertificate* out = nullptr) {
    pki::IssuedCertificate issued = Issue(authority, kWorkload);
    auth::CallCredentials credentials;
    credentials.peer_cert_chain_pem = issued.pem;
    for (const std::string& pem : authority.chain_pem()) credentials.peer_cert_chain_pem += pem;
    if (out != nullptr) *out = std::move(issued);
    return credentials;
  }

  auth::CallCredentials WithToken(const std::string& scheme = "Bearer") {
    auth::CallCredentials credentials;
    credentials.authorization = scheme + " " + MintToken(env_.rsa(), env_.Spec());
    return credentials;
  }

  static void ExpectRefused(const absl::StatusOr<auth::CallerIdentity>& result,
                            absl::StatusCode code, const std::string& fragment) {
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), code) << result.status();
    EXPECT_NE(result.status().message().find(fragment), absl::string_view::npos)
        << result.status() << " does not name: " << fragment;
  }

  TokenTestEnv env_;
  std::unique_ptr<auth::KubernetesTokenVerifier> verifier_;
  std::shared_ptr<const pki::Authority> authority_;
  FakeRevocations revocations_;
};

TEST_F(AuthenticatorTest, BearerTokenGivesServiceAccountIdentity) {
  for (const std::string scheme : {"Bearer", "bearer", "BEARER"}) {
    SCOPED_TRACE(scheme);
    auto caller = Make(verifier_.get()).Authenticate(WithToken(scheme), *authority_);
    ASSERT_TRUE(caller.ok()) << caller.status();
    EXPECT_EQ(caller->id.str(), kWorkload);
    EXPECT_EQ(caller->method, auth::AuthMethod::kKubernetesToken);
    EXPECT_EQ(caller->principal, "system:serviceaccount:foo:bar");
  }
}

TEST_F(AuthenticatorTest, TokenRefusals) {
  auth::Authenticator authenticator = Make(verifier_.get());
  auth::CallCredentials basic;
  basic.authorization = "Basic Zm9vOmJhcg==";
  ExpectRefused(authenticator.Authenticate(basic, *authority_), absl::StatusCode::kUnauthenticated,
                "'Bearer <token>'");
  auth::CallCredentials empty;
  empty.authorization = "Bearer   ";
  ExpectRefused(authenticator.Authenticate(empty, *authority_), absl::StatusCode::kUnauthenticated,
                "empty bearer token");
  TokenSpec spec = env_.Spec();
  spec.audiences = {"kubernetes"};
  auth::CallCredentials wrong;
  wrong.authorization = "Bearer " + MintToken(env_.rsa(), spec);
  ExpectRefused(authenticator.Authenticate(wrong, *authority_), absl::StatusCode::kUnauthenticated,
                "audience");
}

TEST_F(AuthenticatorTest, TokenWithoutVerifierIsNotConfigured) {
  ExpectRefused(Make(nullptr).Authenticate(WithToken(), *authority_),
                absl::StatusCode::kUnauthenticated,
                "token authentication is not configured (--jwks-file)");
}

TEST_F(AuthenticatorTest, NoCredentials) {
  const std::string message =
      "no credentials: send a client certificate or 'authorization: Bearer <token>'";
  ExpectRefused(Make(verifier_.get()).Authenticate(auth::CallCredentials{}, *authority_),
                absl::StatusCode::kUnauthenticated, message);
  auth::CallCredentials blank;
  blank.authorization = "";
  ExpectRefused(Make(verifier_.get()).Authenticate(blank, *authority_),
                absl::StatusCode::kUnauthenticated, message);
}

TEST_F(AuthenticatorTest, ClientCertificateGivesItsSpiffeId) {
  pki::IssuedCertificate issued;
  auth::CallCredentials credentials = WithCert(*authority_, &issued);
  auto caller = Make(nullptr).Authenticate(credentials, *authority_);
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->id.str(), kWorkload);
  EXPECT_EQ(caller->method, auth::AuthMethod::kClientCertificate);
  EXPECT_EQ(caller->principal, "x509:" + issued.serial_hex);
}

TEST_F(AuthenticatorTest, LeafAloneVerifiesToo) {
  pki::IssuedCertificate issued = Issue(*authority_, kWorkload);
  auth::CallCredentials credentials;
  credentials.peer_cert_chain_pem = issued.pem;
  EXPECT_TRUE(Make(nullptr).Authenticate(credentials, *authority_).ok());
}

TEST_F(AuthenticatorTest, RevokedCertificateRefused) {
  pki::IssuedCertificate issued;
  auth::CallCredentials credentials = WithCert(*authority_, &issued);
  revocations_.revoked.insert(issued.serial_hex);
  ExpectRefused(Make(nullptr).Authenticate(credentials, *authority_),
                absl::StatusCode::kUnauthenticated, issued.serial_hex + " has been revoked");
}

TEST_F(AuthenticatorTest, RevocationCheckFailureIsUnavailable) {
  auth::CallCredentials credentials = WithCert(*authority_);
  revocations_.error = absl::UnavailableError("database is locked");
  ExpectRefused(Make(nullptr).Authenticate(credentials, *authority_),
                absl::StatusCode::kUnavailable, "revocation check failed: database is locked");
}

TEST_F(AuthenticatorTest, ExpiredCertificateRefused) {
  auth::CallCredentials credentials = WithCert(*authority_);
  env_.clock().Advance(hours(2));
  ExpectRefused(Make(nullptr).Authenticate(credentials, *authority_),
                absl::StatusCode::kUnauthenticated, "expired");
}

TEST_F(AuthenticatorTest, CertificateFromAnotherCaRefused) {
  auto other = MakeTestAuthority(env_.clock().Now()).value();
  ExpectRefused(Make(nullptr).Authenticate(WithCert(*other), *authority_),
                absl::StatusCode::kUnauthenticated, "client certificate does not verify");
}

TEST_F(AuthenticatorTest, CertificateForAnotherTrustDomainRefused) {
  ExpectRefused(Make(nullptr, "example.org").Authenticate(WithCert(*authority_), *authority_),
                absl::StatusCode::kUnauthenticated,
                "trust domain \"cluster.local\", not \"example.org\"");
}

TEST_F(AuthenticatorTest, SignerCertificateAsClientRefused) {
  auth::CallCredentials credentials;
  credentials.peer_cert_chain_pem = authority_->chain_pem().front();
  ExpectRefused(Make(nullptr).Authenticate(credentials, *authority_),
                absl::StatusCode::kUnauthenticated, "CA certificate");
}

TEST_F(AuthenticatorTest, GarbageCertificateRefused) {
  auth::CallCredentials credentials;
  credentials.peer_cert_chain_pem =
      "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  ExpectRefused(Make(nullptr).Authenticate(credentials, *authority_),
                absl::StatusCode::kUnauthenticated, "client certificate chain does not parse");
}

// A presented certificate is the whole answer: a good token does not rescue a revoked one.
TEST_F(AuthenticatorTest, CertificateTakesPrecedenceOverToken) {
  pki::IssuedCertificate issued;
  auth::CallCredentials credentials = WithCert(*authority_, &issued);
  credentials.authorization = WithToken().authorization;
  auto caller = Make(verifier_.get()).Authenticate(credentials, *authority_);
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->method, auth::AuthMethod::kClientCertificate);
  revocations_.revoked.insert(issued.serial_hex);
  ExpectRefused(Make(verifier_.get()).Authenticate(credentials, *authority_),
                absl::StatusCode::kUnauthenticated, "revoked");
}

}  // namespace
}  // namespace svidd::testing
