// svidd.v1.RotationService against the real server: the state sent at open, first issuance
// and server-pushed renewal with a fresh key each time, the supersedes chain in the ledger,
// refusals that keep the stream open, revocation closing or re-issuing, and shutdown.
#include <gtest/gtest.h>

#include "integration/rotation_client.h"
#include "integration/test_env.h"
#include "support/pki/csr_builder.h"
#include "support/pki/external_verify.h"
#include "svidd/ca/ca_operations.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/ledger/certificate_filter.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::testing {
namespace {

using svidd::v1::RenewalRequested;
using svidd::v1::RotateResponse;

// Answers a renewal request with a CSR for a fresh key; returns the issued message.
struct IssuedAnswer {
  svidd::v1::CertificateIssued message;
  TestCsr csr;
};

std::optional<IssuedAnswer> AnswerWithFreshKey(RotationTestClient& client, uint64_t renewal_id,
                                               const std::string& id = kFooId) {
  TestCsr csr = BuildIstioCsr(id).value();
  if (!client.SendCsr(csr.pem, renewal_id)) return std::nullopt;
  auto reply = client.NextNonBundle();
  if (!reply.has_value() || !reply->has_issued()) {
    ADD_FAILURE() << "expected CertificateIssued, got "
                  << (reply.has_value() ? reply->ShortDebugString() : "end of stream");
    return std::nullopt;
  }
  return IssuedAnswer{reply->issued(), std::move(csr)};
}

// A token for foo/bar valid for `ttl` from the env's fake clock's now.
std::string TokenValidFor(TestEnv& env, std::chrono::seconds ttl) {
  TokenSpec spec;
  spec.issuer = kTestIssuer;
  spec.ns = "foo";
  spec.sa = "bar";
  spec.iat = env.clock().Now();
  spec.ttl = ttl;
  return MintToken(env.signing_key(), spec);
}

RenewalRequested ExpectRenewalRequest(RotationTestClient& client) {
  auto message = client.NextNonBundle();
  EXPECT_TRUE(message.has_value() && message->has_renewal_requested())
      << (message.has_value() ? message->ShortDebugString() : "end of stream");
  return message.has_value() ? message->renewal_requested() : RenewalRequested();
}

ClientIdentity IdentityOf(const IssuedAnswer& issued) {
  ClientIdentity id;
  const auto& chain = issued.message.cert_chain();
  for (int i = 0; i + 1 < chain.size(); ++i) id.cert_chain_pem += chain[i];
  id.key_pem = crypto::PrivateKeyToPkcs8Pem(issued.csr.key.get()).value();
  return id;
}

TEST(RotationStreamTest, TokenStreamGetsBundleThenFirstCertificateThenPushedRenewals) {
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  // Still valid at the renewal: a stream is only as good as its credential now (see
  // CsrAfterTheStreamsTokenExpiredClosesTheStreamUnsigned).
  RotationTestClient client(env->Channel(), TokenValidFor(*env, std::chrono::hours(48)));

  // The full current state at once: the bundle, then a request for a first certificate.
  auto first = client.Next();
  ASSERT_TRUE(first.has_value() && first->has_bundle()) << first->ShortDebugString();
  EXPECT_EQ(first->bundle().root_certs_pem(), env->root_bundle_pem());
  EXPECT_EQ(first->bundle().trust_domain(), "cluster.local");
  EXPECT_GE(first->bundle().sequence(), 1u);
  RenewalRequested initial = ExpectRenewalRequest(client);
  EXPECT_EQ(initial.reason(), RenewalRequested::INITIAL);

  auto one = AnswerWithFreshKey(client, initial.renewal_id());
  ASSERT_TRUE(one.has_value());
  ASSERT_EQ(one->message.cert_chain_size(), 3);
  EXPECT_EQ(one->message.spiffe_id(), kFooId);
  EXPECT_EQ(one->message.renewal_id(), initial.renewal_id());
  const std::vector<std::string> intermediates = {one->message.cert_chain(1)};
  EXPECT_TRUE(OpensslVerifyStrict(one->message.cert_chain(0), intermediates,
                                  one->message.cert_chain(2), "sslclient")
                  .ok());
  auto record = env->server().ledger().GetCertificate(one->message.serial());
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->supersedes_serial_hex, "");
  EXPECT_EQ(record->auth_method, "k8s-jwt");

  // Nothing is due before the renewal time the server announced; at it, the server asks.
  const TimePoint renew_at = FromUnixSeconds(one->message.renew_at());
  const TimePoint not_after = FromUnixSeconds(one->message.not_after());
  EXPECT_LT(renew_at, not_after);
  EXPECT_GE(renew_at - FromUnixSeconds(one->message.not_before()),
            (not_after - FromUnixSeconds(one->message.not_before())) * 4 / 10);
  env->clock().Set(renew_at - std::chrono::seconds(1));
  env->server().RunRotationPass();
  EXPECT_EQ(env->server().rotation_streams(), 1u);
  env->clock().Set(renew_at + std::chrono::seconds(1));  // renew_at is in whole seconds
  env->server().RunRotationPass();
  RenewalRequested scheduled = ExpectRenewalRequest(client);
  EXPECT_EQ(scheduled.reason(), RenewalRequested::SCHEDULED);
  EXPECT_GT(scheduled.renewal_id(), initial.renewal_id());

  auto two = AnswerWithFreshKey(client, scheduled.renewal_id());
  ASSERT_TRUE(two.has_value());
  EXPECT_NE(two->message.serial(), one->message.serial());
  auto leaf1 = crypto::ParseCertificatePem(one->message.cert_chain(0)).value();
  auto leaf2 = crypto::ParseCertificatePem(two->message.cert_chain(0)).value();
  EXPECT_NE(crypto::PublicKeySha256Hex(X509_get0_pubkey(leaf1.get())).value(),
            crypto::PublicKeySha256Hex(X509_get0_pubkey(leaf2.get())).value())
      << "each renewal is for a fresh key";
  auto renewed = env->server().ledger().GetCertificate(two->message.serial());
  ASSERT_TRUE(renewed.ok());
  EXPECT_EQ(renewed->supersedes_serial_hex, one->message.serial());
}

TEST(RotationStreamTest, CertificateStreamIsScheduledFromThePresentedCertificate) {
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  std::optional<IssuedAnswer> bootstrap;
  {
    RotationTestClient client(env->Channel(), env->TokenFor("foo", "bar"));
    bootstrap = AnswerWithFreshKey(client, ExpectRenewalRequest(client).renewal_id());
    ASSERT_TRUE(bootstrap.has_value());
  }
  ClientIdentity me = IdentityOf(*bootstrap);
  RotationTestClient client(env->Channel(&me), "");
  auto bundle = client.Next();
  ASSERT_TRUE(bundle.has_value() && bundle->has_bundle());
  // No INITIAL request: the server knows this certificate. Its renewal comes at its time:
  // this stream draws its own jitter, so at the latest at half-life.
  env->server().RunRotationPass();
  const TimePoint not_before = FromUnixSeconds(bootstrap->message.not_before());
  const TimePoint not_after = FromUnixSeconds(bootstrap->message.not_after());
  env->clock().Set(not_before + (not_after - not_before) / 2 + std::chrono::seconds(1));
  env->server().RunRotationPass();
  RenewalRequested request = ExpectRenewalRequest(client);
  EXPECT_EQ(request.reason(), RenewalRequested::SCHEDULED);
  auto next = AnswerWithFreshKey(client, request.renewal_id());
  ASSERT_TRUE(next.has_value());
  auto record = env->server().ledger().GetCertificate(next->message.serial());
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->supersedes_serial_hex, bootstrap->message.serial());
  EXPECT_EQ(record->auth_method, "x509");
}

TEST(RotationStreamTest, UnauthenticatedStreamIsRefusedAtOpen) {
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  struct Case {
    const char* name;
    std::string token;
  } cases[] = {{"no credentials", ""}, {"garbage token", "not-a-jwt"}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RotationTestClient client(env->Channel(), c.token);
    EXPECT_FALSE(client.Next().has_value());
    EXPECT_EQ(client.Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  EXPECT_EQ(env->server().rotation_streams(), 0u);
}

TEST(RotationStreamTest, RefusedCsrKeepsTheStreamOpen) {
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  RotationTestClient client(env->Channel(), env->TokenFor("foo", "bar"));
  RenewalRequested initial = ExpectRenewalRequest(client);
  struct Case {
    const char* name;
    std::string csr;
    grpc::StatusCode code;
  } cases[] = {
      {"someone else's identity", BuildIstioCsr("spiffe://cluster.local/ns/x/sa/y").value().pem,
       grpc::StatusCode::PERMISSION_DENIED},
      {"not a CSR", "hello", grpc::StatusCode::INVALID_ARGUMENT},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_TRUE(client.SendCsr(c.csr, initial.renewal_id()));
    auto reply = client.NextNonBundle();
    ASSERT_TRUE(reply.has_value() && reply->has_refused()) << reply->ShortDebugString();
    EXPECT_EQ(reply->refused().code(), c.code);
    EXPECT_EQ(reply->refused().renewal_id(), initial.renewal_id());
    EXPECT_FALSE(reply->refused().message().empty());
  }
  EXPECT_TRUE(AnswerWithFreshKey(client, initial.renewal_id()).has_value());
}

TEST(RotationStreamTest, RevokingTheCurrentCertificateReissuesAtOnce) {
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  RotationTestClient client(env->Channel(), env->TokenFor("foo", "bar"));
  auto one = AnswerWithFreshKey(client, ExpectRenewalRequest(client).renewal_id());
  ASSERT_TRUE(one.has_value());
  // As `svidctl certs revoke` does: another handle on the same ledger file.
  auto operator_ledger = ledger::OpenSqliteLedger(env->options().LedgerPath());
  ASSERT_TRUE(operator_ledger.ok());
  ASSERT_TRUE((*operator_ledger)
                  ->RevokeCertificate(one->message.serial(), "key compromise", env->clock().Now())
                  .ok());
  ASSERT_TRUE(env->server().RunMaintenance().ok());  // notices the revocation
  env->server().RunRotationPass();
  RenewalRequested request = ExpectRenewalRequest(client);
  EXPECT_EQ(request.reason(), RenewalRequested::REVOKED);
  auto two = AnswerWithFreshKey(client, request.renewal_id());
  ASSERT_TRUE(two.has_value());
  EXPECT_EQ(env->server().ledger().GetCertificate(two->message.serial())->supersedes_serial_hex,
            one->message.serial());
}

TEST(RotationStreamTest, RevokingTheAuthenticatingCertificateEndsTheStream) {
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  std::optional<IssuedAnswer> bootstrap;
  {
    RotationTestClient client(env->Channel(), env->TokenFor("foo", "bar"));
    bootstrap = AnswerWithFreshKey(client, ExpectRenewalRequest(client).renewal_id());
    ASSERT_TRUE(bootstrap.has_value());
  }
  ClientIdentity me = IdentityOf(*bootstrap);
  RotationTestClient client(env->Channel(&me), "");
  ASSERT_TRUE(client.Next().has_value());  // bundle: the stream is open
  auto operator_ledger = ledger::OpenSqliteLedger(env->options().LedgerPath());
  ASSERT_TRUE((*operator_ledger)
                  ->RevokeCertificate(bootstrap->message.serial(), "stolen", env->clock().Now())
                  .ok());
  ASSERT_TRUE(env->server().RunMaintenance().ok());
  EXPECT_FALSE(client.NextNonBundle().has_value());
  grpc::Status status = client.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(status.error_message().find("revoked"), std::string::npos) << status.error_message();
}

// A token that expires a minute after it is minted (by the env's fake clock).
std::string ShortLivedToken(TestEnv& env) { return TokenValidFor(env, std::chrono::seconds(60)); }

size_t CertificatesOf(const TestEnv& env, const std::string& id) {
  ledger::CertificateFilter filter;
  filter.spiffe_id = id;
  auto ledger = ledger::OpenSqliteLedger(env.options().LedgerPath());
  auto records = (*ledger)->ListCertificates(filter);
  EXPECT_TRUE(records.ok()) << records.status();
  return records.ok() ? records->size() : 0;
}

// The review's finding: a CSR 31 s after the stream's token expired was still signed.
TEST(RotationStreamTest, CsrAfterTheStreamsTokenExpiredClosesTheStreamUnsigned) {
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  RotationTestClient client(env->Channel(), ShortLivedToken(*env));
  ASSERT_TRUE(AnswerWithFreshKey(client, ExpectRenewalRequest(client).renewal_id()).has_value());
  env->clock().Advance(std::chrono::seconds(91));  // exp + 31 s
  ASSERT_TRUE(client.SendCsr(BuildIstioCsr(kFooId).value().pem, 0));
  // The event: the stream ends, with no certificate before the end.
  EXPECT_FALSE(client.NextNonBundle().has_value());
  grpc::Status status = client.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
  EXPECT_NE(status.error_message().find("expired"), std::string::npos) << status.error_message();
  EXPECT_EQ(CertificatesOf(*env, kFooId), 1u);
}

// Revoking the certificate of a stream whose token has expired must not push it a renewal
// (which it would answer and be issued another certificate): the stream ends instead.
TEST(RotationStreamTest, RevocationOnAStreamWhoseTokenExpiredClosesItInsteadOfReissuing) {
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  RotationTestClient client(env->Channel(), ShortLivedToken(*env));
  auto one = AnswerWithFreshKey(client, ExpectRenewalRequest(client).renewal_id());
  ASSERT_TRUE(one.has_value());
  env->clock().Advance(std::chrono::seconds(91));
  auto operator_ledger = ledger::OpenSqliteLedger(env->options().LedgerPath());
  ASSERT_TRUE((*operator_ledger)
                  ->RevokeCertificate(one->message.serial(), "key compromise", env->clock().Now())
                  .ok());
  ASSERT_TRUE(env->server().RunMaintenance().ok());  // notices the revocation
  env->server().RunRotationPass();
  auto message = client.NextNonBundle();
  EXPECT_FALSE(message.has_value()) << message->ShortDebugString();
  EXPECT_EQ(client.Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(CertificatesOf(*env, kFooId), 1u);
}

// The workload's way on: it reconnects with the certificate the token stream gave it.
TEST(RotationStreamTest, AfterTheTokenExpiredTheIssuedCertificateOpensTheNextStream) {
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  std::optional<IssuedAnswer> one;
  {
    RotationTestClient client(env->Channel(), ShortLivedToken(*env));
    one = AnswerWithFreshKey(client, ExpectRenewalRequest(client).renewal_id());
    ASSERT_TRUE(one.has_value());
    env->clock().Advance(std::chrono::seconds(91));
    ASSERT_TRUE(client.SendCsr(BuildIstioCsr(kFooId).value().pem, 0));
    EXPECT_FALSE(client.NextNonBundle().has_value());
  }
  ClientIdentity me = IdentityOf(*one);
  RotationTestClient client(env->Channel(&me), "");
  ASSERT_TRUE(client.SendCsr(BuildIstioCsr(kFooId).value().pem, 0));
  auto reply = client.NextNonBundle();
  ASSERT_TRUE(reply.has_value() && reply->has_issued()) << client.Finish().error_message();
  EXPECT_EQ(CertificatesOf(*env, kFooId), 2u);
}

TEST(RotationStreamTest, UnansweredRequestIsRepeatedAsRetry) {
  auto env = TestEnv::Start(
      [](server::ServerOptions& o) { o.renewal_answer_timeout = std::chrono::seconds(10); });
  ASSERT_NE(env, nullptr);
  RotationTestClient client(env->Channel(), env->TokenFor("foo", "bar"));
  RenewalRequested initial = ExpectRenewalRequest(client);
  EXPECT_EQ(initial.respond_within_seconds(), 10);
  env->clock().Advance(std::chrono::seconds(12));  // timeout + first backoff
  env->server().RunRotationPass();
  RenewalRequested retry = ExpectRenewalRequest(client);
  EXPECT_EQ(retry.reason(), RenewalRequested::RETRY);
  EXPECT_TRUE(AnswerWithFreshKey(client, retry.renewal_id()).has_value());
}

TEST(RotationStreamTest, ShutdownEndsStreamsWithUnavailable) {
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  RotationTestClient client(env->Channel(), env->TokenFor("foo", "bar"));
  ASSERT_TRUE(client.Next().has_value());
  env->server().Shutdown();
  while (client.Next().has_value()) {
  }
  EXPECT_EQ(client.Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace svidd::testing

namespace svidd::testing {
namespace {

// NotBefore is backdated two minutes for clock skew; a 20-second certificate must still be
// renewed near the middle of its 20 seconds, not at once.
TEST(RotationStreamTest, ShortLivedCertificatesRenewAtHalfTheirRealLifetime) {
  auto env = TestEnv::Start([](server::ServerOptions& o) {
    o.default_ttl = std::chrono::seconds(20);
    o.max_ttl = std::chrono::seconds(20);
  });
  ASSERT_NE(env, nullptr);
  RotationTestClient client(env->Channel(), env->TokenFor("foo", "bar"));
  auto one = AnswerWithFreshKey(client, ExpectRenewalRequest(client).renewal_id());
  ASSERT_TRUE(one.has_value());
  const auto wait = FromUnixSeconds(one->message.renew_at()) - env->clock().Now();
  EXPECT_GE(wait, std::chrono::seconds(7));
  EXPECT_LE(wait, std::chrono::seconds(10));
}

}  // namespace
}  // namespace svidd::testing

namespace svidd::testing {
namespace {

// After a key compromise: a new intermediate at once, and every connected workload holding a
// certificate from the old one asked to renew in the same pass, whatever the rate limit.
TEST(RotationStreamTest, ForcedReissueReachesEveryHolderOfTheIntermediateAtOnce) {
  auto env = TestEnv::Start([](server::ServerOptions& o) { o.max_renewals_per_second = 1; });
  ASSERT_NE(env, nullptr);
  constexpr int kClients = 5;
  std::vector<std::unique_ptr<RotationTestClient>> clients;
  std::string old_issuer;
  for (int i = 0; i < kClients; ++i) {
    const std::string sa = "sa" + std::to_string(i);
    clients.push_back(
        std::make_unique<RotationTestClient>(env->Channel(), env->TokenFor("foo", sa)));
    RenewalRequested initial = ExpectRenewalRequest(*clients.back());
    auto issued = AnswerWithFreshKey(*clients.back(), initial.renewal_id(),
                                     "spiffe://cluster.local/ns/foo/sa/" + sa);
    ASSERT_TRUE(issued.has_value());
    old_issuer = env->server().authorities().Get()->signer_serial_hex();
    env->clock().Advance(std::chrono::seconds(1));  // the next first issuance's token
    env->server().RunRotationPass();
  }
  ca::CaOperations& ca = env->server().ca_operations();
  ASSERT_TRUE(ca.RotateIntermediate().ok());
  EXPECT_NE(env->server().authorities().Get()->signer_serial_hex(), old_issuer);
  auto reached = ca.Reissue(old_issuer);
  ASSERT_TRUE(reached.ok());
  EXPECT_EQ(*reached, static_cast<size_t>(kClients));
  env->server().RunRotationPass();  // one pass, though the limit is 1 per second
  for (int i = 0; i < kClients; ++i) {
    SCOPED_TRACE(i);
    RenewalRequested request = ExpectRenewalRequest(*clients[i]);
    EXPECT_EQ(request.reason(), RenewalRequested::OPERATOR);
    auto renewed = AnswerWithFreshKey(*clients[i], request.renewal_id(),
                                      "spiffe://cluster.local/ns/foo/sa/sa" + std::to_string(i));
    ASSERT_TRUE(renewed.has_value());
    auto record = env->server().ledger().GetCertificate(renewed->message.serial());
    EXPECT_NE(record->issuer_serial_hex, old_issuer);
  }
}

}  // namespace
}  // namespace svidd::testing

namespace svidd::testing {
namespace {

// A revocation re-signs the issuer's CRL, and the new CRL reaches every stream in a new
// trust bundle (the Workload API's `crl` field comes from here).
TEST(RotationStreamTest, NewCrlIsPushedInTheTrustBundle) {
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  RotationTestClient client(env->Channel(), env->TokenFor("foo", "bar"));
  auto first = client.Next();
  ASSERT_TRUE(first.has_value() && first->has_bundle());
  ASSERT_EQ(first->bundle().crls_size(), 1) << "the active CA's CRL, empty so far";

  istio::v1::auth::IstioCertificateResponse response;
  ASSERT_TRUE(env->CreateCertificate(BuildIstioCsr("spiffe://cluster.local/ns/x/sa/y").value().pem,
                                     0, env->TokenFor("x", "y"), &response)
                  .ok());
  const std::string serial =
      crypto::SerialHex(crypto::ParseCertificatePem(response.cert_chain(0)).value().get());
  auto operator_ledger = ledger::OpenSqliteLedger(env->options().LedgerPath());
  ASSERT_TRUE(
      (*operator_ledger)->RevokeCertificate(serial, "keyCompromise", env->clock().Now()).ok());
  ASSERT_TRUE(env->server().RunMaintenance().ok());

  std::optional<RotateResponse> next;
  do {
    next = client.Next();
  } while (next.has_value() && !next->has_bundle());
  ASSERT_TRUE(next.has_value());
  EXPECT_GT(next->bundle().sequence(), first->bundle().sequence());
  ASSERT_EQ(next->bundle().crls_size(), 1);
  auto crl = crypto::ParseCrlDer(next->bundle().crls(0));
  ASSERT_TRUE(crl.ok()) << crl.status();
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl->get());
  ASSERT_EQ(sk_X509_REVOKED_num(revoked), 1);
}

}  // namespace
}  // namespace svidd::testing
