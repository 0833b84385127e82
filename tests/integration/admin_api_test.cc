// svidd.v1.AdminService over real gRPC against a real server: who may call it (client
// certificate with an --admin-id identity only), that every call is audit-logged, the CA
// operations, and that revoking a connected workload's certificate re-issues it at once.
#include <gtest/gtest.h>

#include <set>

#include "integration/rotation_client.h"
#include "integration/test_env.h"
#include "support/pki/csr_builder.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/v1/admin.grpc.pb.h"

namespace svidd::testing {
namespace {

constexpr char kAdminId[] = "spiffe://cluster.local/ns/ops/sa/admin";
constexpr char kWorkloadId[] = "spiffe://cluster.local/ns/foo/sa/bar";

class AdminApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = TestEnv::Start([](server::ServerOptions& o) { o.admin_ids = {kAdminId}; });
    ASSERT_NE(env_, nullptr);
    admin_ = Credential("ops", "admin");
    workload_ = Credential("foo", "bar");
  }

  // A certificate for ns/sa through the Istio API, as a client identity.
  ClientIdentity Credential(const std::string& ns, const std::string& sa) {
    TestCsr csr = BuildIstioCsr("spiffe://cluster.local/ns/" + ns + "/sa/" + sa).value();
    istio::v1::auth::IstioCertificateResponse response;
    EXPECT_TRUE(env_->CreateCertificate(csr.pem, 0, env_->TokenFor(ns, sa), &response).ok());
    ClientIdentity id;
    for (int i = 0; i + 1 < response.cert_chain_size(); ++i)
      id.cert_chain_pem += response.cert_chain(i);
    id.key_pem = crypto::PrivateKeyToPkcs8Pem(csr.key.get()).value();
    return id;
  }

  std::unique_ptr<v1::AdminService::Stub> Stub(const ClientIdentity* who) {
    return v1::AdminService::NewStub(env_->Channel(who));
  }

  static std::unique_ptr<grpc::ClientContext> Context() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return context;
  }

  std::unique_ptr<TestEnv> env_;
  ClientIdentity admin_, workload_;
};

TEST_F(AdminApiTest, OnlyAnAdminIdentityMayCallAndEveryCallIsAuditLogged) {
  struct Case {
    const char* name;
    const ClientIdentity* who;
    grpc::StatusCode code;
  } cases[] = {
      {"admin", &admin_, grpc::StatusCode::OK},
      {"a valid workload certificate", &workload_, grpc::StatusCode::PERMISSION_DENIED},
      {"no client certificate", nullptr, grpc::StatusCode::UNAUTHENTICATED},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    v1::ListCertificatesRequest request;
    v1::ListCertificatesResponse response;
    grpc::Status status = Stub(c.who)->ListCertificates(Context().get(), request, &response);
    EXPECT_EQ(status.error_code(), c.code) << status.error_message();
    if (c.code == grpc::StatusCode::OK) {
      EXPECT_GE(response.total(), 2);
    }
  }
  // A bearer token, even a valid one, is not a way in.
  auto context = Context();
  context->AddMetadata("authorization", "Bearer " + env_->TokenFor("ops", "admin"));
  v1::Stats stats;
  EXPECT_EQ(Stub(nullptr)->GetStats(context.get(), v1::GetStatsRequest(), &stats).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  auto calls = env_->server().ledger().ListAdminCalls(TimePoint{}, 0);
  ASSERT_TRUE(calls.ok()) << calls.status();
  std::multiset<std::string> outcomes;
  for (const ledger::AdminCallRecord& call : *calls)
    outcomes.insert(call.method + ":" + call.outcome);
  EXPECT_EQ(outcomes.count("ListCertificates:OK"), 1u);
  EXPECT_EQ(outcomes.count("ListCertificates:PERMISSION_DENIED"), 1u);
  EXPECT_EQ(outcomes.count("ListCertificates:UNAUTHENTICATED"), 1u);
  EXPECT_EQ(outcomes.count("GetStats:UNAUTHENTICATED"), 1u);
  for (const ledger::AdminCallRecord& call : *calls) {
    if (call.outcome == "PERMISSION_DENIED") {
      EXPECT_EQ(call.caller_id, kWorkloadId);
    }
  }
}

TEST_F(AdminApiTest, ARevokedAdminCertificateIsRefused) {
  const std::string serial =
      crypto::SerialHex(crypto::ParseCertificatesPem(admin_.cert_chain_pem).value().front().get());
  v1::RevokeCertificatesRequest revoke;
  revoke.set_serial(serial);
  revoke.set_reason("laptop lost");
  v1::RevokeCertificatesResponse revoked;
  ASSERT_TRUE(Stub(&admin_)->RevokeCertificates(Context().get(), revoke, &revoked).ok());
  ASSERT_EQ(revoked.revoked_size(), 1);
  v1::ListCertificatesResponse response;
  grpc::Status status =
      Stub(&admin_)->ListCertificates(Context().get(), v1::ListCertificatesRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(status.error_message().find("revoked"), std::string::npos) << status.error_message();
}

TEST_F(AdminApiTest, CaOperationsRotateAndReissue) {
  auto stub = Stub(&admin_);
  v1::CaStatus before;
  ASSERT_TRUE(stub->GetCaStatus(Context().get(), v1::GetCaStatusRequest(), &before).ok());
  EXPECT_EQ(before.mode(), "self-managed");
  EXPECT_EQ(before.root_phase(), "steady");
  ASSERT_EQ(before.roots_size(), 1);

  // A workload on a rotation stream, holding a certificate from the current intermediate.
  RotationTestClient stream(env_->Channel(), env_->TokenFor("foo", "web"));
  auto initial = stream.NextNonBundle();
  ASSERT_TRUE(initial.has_value() && initial->has_renewal_requested());
  ASSERT_TRUE(stream.SendCsr(BuildIstioCsr("spiffe://cluster.local/ns/foo/sa/web").value().pem,
                             initial->renewal_requested().renewal_id()));
  auto issued = stream.NextNonBundle();
  ASSERT_TRUE(issued.has_value() && issued->has_issued());

  v1::CaStatus rotated;
  ASSERT_TRUE(
      stub->RotateIntermediate(Context().get(), v1::RotateIntermediateRequest(), &rotated).ok());
  EXPECT_NE(rotated.active().serial(), before.active().serial());
  v1::ReissueRequest reissue;
  reissue.set_issuer_serial(before.active().serial());
  v1::ReissueResponse reached;
  ASSERT_TRUE(stub->Reissue(Context().get(), reissue, &reached).ok());
  EXPECT_EQ(reached.streams(), 1u);
  env_->server().RunRotationPass();
  auto asked = stream.NextNonBundle();
  ASSERT_TRUE(asked.has_value() && asked->has_renewal_requested());
  EXPECT_EQ(asked->renewal_requested().reason(), v1::RenewalRequested::OPERATOR);

  v1::CaStatus root;
  ASSERT_TRUE(stub->RotateRoot(Context().get(), v1::RotateRootRequest(), &root).ok());
  EXPECT_EQ(root.root_phase(), "published");
  EXPECT_EQ(root.roots_size(), 2);
  EXPECT_EQ(stub->RotateRoot(Context().get(), v1::RotateRootRequest(), &root).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(AdminApiTest, RevokingAConnectedWorkloadsCertificateReissuesItAtOnce) {
  RotationTestClient stream(env_->Channel(), env_->TokenFor("foo", "web"));
  auto initial = stream.NextNonBundle();
  ASSERT_TRUE(initial.has_value() && initial->has_renewal_requested());
  ASSERT_TRUE(stream.SendCsr(BuildIstioCsr("spiffe://cluster.local/ns/foo/sa/web").value().pem,
                             initial->renewal_requested().renewal_id()));
  auto issued = stream.NextNonBundle();
  ASSERT_TRUE(issued.has_value() && issued->has_issued());

  v1::RevokeCertificatesRequest revoke;
  revoke.set_spiffe_id("spiffe://cluster.local/ns/foo/sa/web");
  revoke.set_reason("keyCompromise");
  v1::RevokeCertificatesResponse revoked;
  ASSERT_TRUE(Stub(&admin_)->RevokeCertificates(Context().get(), revoke, &revoked).ok());
  ASSERT_EQ(revoked.revoked_size(), 1);
  EXPECT_EQ(revoked.revoked(0).serial(), issued->issued().serial());
  ASSERT_TRUE(env_->server().RunMaintenance().ok());
  env_->server().RunRotationPass();
  auto asked = stream.NextNonBundle();
  ASSERT_TRUE(asked.has_value() && asked->has_renewal_requested());
  EXPECT_EQ(asked->renewal_requested().reason(), v1::RenewalRequested::REVOKED);
}

}  // namespace
}  // namespace svidd::testing
