// Renewal with the current certificate instead of a token, and revocation reaching the
// running server through the ledger file (as `svidctl certs revoke` does).
#include <gtest/gtest.h>

#include "integration/test_env.h"
#include "support/pki/csr_builder.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::testing {
namespace {

// Gets a first certificate with a token; returns it as a client identity.
ClientIdentity Bootstrap(TestEnv& env) {
  auto csr = BuildIstioCsr(kFooId);
  EXPECT_TRUE(csr.ok());
  istio::v1::auth::IstioCertificateResponse response;
  grpc::Status status = env.CreateCertificate(csr->pem, 0, env.TokenFor("foo", "bar"), &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  ClientIdentity id;
  for (int i = 0; i + 1 < response.cert_chain_size(); ++i)
    id.cert_chain_pem += response.cert_chain(i);
  id.key_pem = crypto::PrivateKeyToPkcs8Pem(csr->key.get()).value();
  return id;
}

std::string SerialOfIdentity(const ClientIdentity& id) {
  return crypto::SerialHex(crypto::ParseCertificatesPem(id.cert_chain_pem).value().front().get());
}

TEST(MtlsRenewalTest, CurrentCertificateRenewsWithoutToken) {
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  ClientIdentity first = Bootstrap(*env);

  auto csr = BuildIstioCsr(kFooId);  // a fresh key
  istio::v1::auth::IstioCertificateResponse response;
  grpc::Status status = env->CreateCertificate(csr->pem, 0, "", &response, &first);
  ASSERT_TRUE(status.ok()) << status.error_message();
  auto leaf = crypto::ParseCertificatePem(response.cert_chain(0)).value();
  EXPECT_EQ(crypto::UriSans(leaf.get()), std::vector<std::string>{kFooId});
  auto record = env->server().ledger().GetCertificate(crypto::SerialHex(leaf.get()));
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->auth_method, "x509");
  EXPECT_EQ(record->auth_principal, "x509:" + SerialOfIdentity(first));
}

TEST(MtlsRenewalTest, CertificateMayOnlyRenewItsOwnIdentity) {
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  ClientIdentity first = Bootstrap(*env);
  auto csr = BuildIstioCsr("spiffe://cluster.local/ns/kube-system/sa/admin");
  istio::v1::auth::IstioCertificateResponse response;
  grpc::Status status = env->CreateCertificate(csr->pem, 0, "", &response, &first);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
}

TEST(MtlsRenewalTest, ExpiredCertificateIsRefused) {
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  ClientIdentity first = Bootstrap(*env);
  env->clock().Advance(std::chrono::hours(25));
  auto csr = BuildIstioCsr(kFooId);
  istio::v1::auth::IstioCertificateResponse response;
  grpc::Status status = env->CreateCertificate(csr->pem, 0, "", &response, &first);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
  EXPECT_NE(status.error_message().find("expired"), std::string::npos) << status.error_message();
}

TEST(MtlsRenewalTest, ForeignCaCertificateIsRefused) {
  auto env = TestEnv::Start();
  auto other = TestEnv::Start();  // a second svidd with its own root
  ASSERT_NE(env, nullptr);
  ASSERT_NE(other, nullptr);
  ClientIdentity foreign = Bootstrap(*other);
  auto csr = BuildIstioCsr(kFooId);
  istio::v1::auth::IstioCertificateResponse response;
  grpc::Status status = env->CreateCertificate(csr->pem, 0, "", &response, &foreign);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
}

TEST(MtlsRenewalTest, RevocationByAnotherLedgerHandleTakesEffectAtOnce) {
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  ClientIdentity first = Bootstrap(*env);

  // What `svidctl certs revoke` does: its own connection to the same ledger file.
  auto operator_ledger = ledger::OpenSqliteLedger(env->options().LedgerPath());
  ASSERT_TRUE(operator_ledger.ok()) << operator_ledger.status();
  ASSERT_TRUE((*operator_ledger)
                  ->RevokeCertificate(SerialOfIdentity(first), "key compromise", env->clock().Now())
                  .ok());

  auto csr = BuildIstioCsr(kFooId);
  istio::v1::auth::IstioCertificateResponse response;
  grpc::Status status = env->CreateCertificate(csr->pem, 0, "", &response, &first);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
  EXPECT_NE(status.error_message().find("revoked"), std::string::npos) << status.error_message();
  // The token path is unaffected: the workload can still re-bootstrap if its identity is allowed.
  EXPECT_TRUE(env->CreateCertificate(csr->pem, 0, env->TokenFor("foo", "bar"), &response).ok());
}

}  // namespace
}  // namespace svidd::testing
