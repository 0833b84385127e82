// Issuance over the real gRPC API: Istio's response shape, the X509-SVID profile as external
// validators see it, and the ledger row written before the response.
#include <gtest/gtest.h>

#include "integration/test_env.h"
#include "support/pki/csr_builder.h"
#include "support/pki/external_verify.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"

namespace svidd::testing {
namespace {

struct KeyCase {
  const char* name;
  crypto::KeyType key_type;
};

class IssuanceTest : public ::testing::TestWithParam<KeyCase> {};

TEST_P(IssuanceTest, TokenCallerGetsVerifiableSvidRecordedInLedger) {
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  auto csr = BuildIstioCsr(kFooId, GetParam().key_type);
  ASSERT_TRUE(csr.ok()) << csr.status();

  istio::v1::auth::IstioCertificateResponse response;
  grpc::Status status =
      env->CreateCertificate(csr->pem, 3600, env->TokenFor("foo", "bar"), &response);
  ASSERT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();

  // Istio's shape: leaf, one intermediate per element, root bundle last; each ends in "\n".
  std::vector<std::string> chain = ChainOf(response);
  ASSERT_EQ(chain.size(), 3u);
  for (const auto& element : chain) EXPECT_EQ(element.back(), '\n');
  EXPECT_EQ(chain.back(), env->root_bundle_pem());
  for (size_t i = 0; i + 1 < chain.size(); ++i) {
    auto certs = crypto::ParseCertificatesPem(chain[i]);
    ASSERT_TRUE(certs.ok());
    EXPECT_EQ(certs->size(), 1u) << "element " << i << " must hold one certificate";
  }

  auto leaf = crypto::ParseCertificatePem(chain[0]);
  ASSERT_TRUE(leaf.ok());
  EXPECT_EQ(crypto::UriSans(leaf->get()), std::vector<std::string>{kFooId});
  EXPECT_TRUE(crypto::DnsSans(leaf->get()).empty());
  EXPECT_FALSE(crypto::IsCaCertificate(leaf->get()));
  EXPECT_NEAR(std::chrono::duration_cast<std::chrono::seconds>(crypto::NotAfter(leaf->get()) -
                                                               env->clock().Now())
                  .count(),
              3600, 2);

  std::vector<std::string> intermediates(chain.begin() + 1, chain.end() - 1);
  EXPECT_TRUE(OpensslVerifyStrict(chain[0], intermediates, chain.back(), "sslclient").ok());
  EXPECT_TRUE(OpensslVerifyStrict(chain[0], intermediates, chain.back(), "sslserver").ok());
  absl::Status gnutls = CerttoolVerify(chain[0], intermediates, chain.back());
  EXPECT_TRUE(gnutls.ok()) << gnutls;

  // On record before it was returned.
  auto record = env->server().ledger().GetCertificate(crypto::SerialHex(leaf->get()));
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->spiffe_id, kFooId);
  EXPECT_EQ(record->auth_method, "k8s-jwt");
  EXPECT_EQ(record->auth_principal, "system:serviceaccount:foo:bar");
  EXPECT_EQ(record->certificate_pem, chain[0]);
  EXPECT_EQ(record->status, ledger::CertStatus::kActive);
}

INSTANTIATE_TEST_SUITE_P(Keys, IssuanceTest,
                         ::testing::Values(KeyCase{"EcP256", crypto::KeyType::kEcP256},
                                           KeyCase{"EcP384", crypto::KeyType::kEcP384},
                                           KeyCase{"Rsa2048", crypto::KeyType::kRsa2048},
                                           KeyCase{"Rsa3072", crypto::KeyType::kRsa3072}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(IssuanceTtlTest, LongRequestsAreClampedAndZeroMeansDefault) {
  auto env = TestEnv::Start([](server::ServerOptions& o) {
    o.default_ttl = std::chrono::hours(12);
    o.max_ttl = std::chrono::hours(24);
  });
  ASSERT_NE(env, nullptr);
  struct Case {
    const char* name;
    int64_t requested;
    int64_t expected;
  } cases[] = {
      {"clamped to max", 7 * 24 * 3600, 24 * 3600},
      {"zero is default", 0, 12 * 3600},
      {"negative is default", -5, 12 * 3600},
      {"short honoured", 600, 600},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto csr = BuildIstioCsr(kFooId);
    ASSERT_TRUE(csr.ok());
    istio::v1::auth::IstioCertificateResponse response;
    grpc::Status status =
        env->CreateCertificate(csr->pem, c.requested, env->TokenFor("foo", "bar"), &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    auto leaf = crypto::ParseCertificatePem(response.cert_chain(0));
    ASSERT_TRUE(leaf.ok());
    auto lifetime = std::chrono::duration_cast<std::chrono::seconds>(crypto::NotAfter(leaf->get()) -
                                                                     env->clock().Now());
    EXPECT_NEAR(lifetime.count(), c.expected, 2);
  }
}

TEST(IssuanceTokenTest, Es256TokensAreAcceptedToo) {
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  TokenSpec spec;
  spec.issuer = kTestIssuer;
  spec.ns = "foo";
  spec.sa = "bar";
  spec.iat = env->clock().Now();
  auto csr = BuildIstioCsr(kFooId);
  ASSERT_TRUE(csr.ok());
  istio::v1::auth::IstioCertificateResponse response;
  grpc::Status status =
      env->CreateCertificate(csr->pem, 0, MintToken(env->ec_signing_key(), spec), &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

}  // namespace
}  // namespace svidd::testing
