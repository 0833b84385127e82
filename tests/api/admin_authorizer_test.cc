// Who may call the admin API: admins by certificate only, everyone else refused with the
// right code, and no method without a rule.
#include "svidd/api/admin_authorizer.h"

#include <gtest/gtest.h>

#include "issuance/ledger_revocation_checker.h"
#include "support/fleet/test_data_dir.h"
#include "svidd/common/time_format.h"
#include "svidd/issuance/admin_credential.h"
#include "svidd/v1/admin.grpc.pb.h"

namespace svidd::api {
namespace {

constexpr char kAlice[] = "spiffe://cluster.local/admin/alice";
constexpr char kBob[] = "spiffe://cluster.local/admin/bob";

class AdminAuthorizerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = testing::TestDataDir::Create(clock_.Now() - std::chrono::hours(1));
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = std::move(*dir);
    auto authority =
        pki::Authority::Create(pki::LoadIstioCaDir(dir_->ca_dir(), clock_.Now()).value());
    ASSERT_TRUE(authority.ok());
    holder_.Set(*authority);
    revocations_ = std::make_unique<issuance::LedgerRevocationChecker>(dir_->ledger());
    authenticator_ =
        std::make_unique<auth::Authenticator>("cluster.local", nullptr, *revocations_, clock_);
    authorizer_ =
        std::make_unique<AdminAuthorizer>(std::set<std::string>{kAlice}, *authenticator_, holder_);
  }

  auth::CallCredentials CertificateFor(const std::string& id) {
    auto credential =
        issuance::IssueAdminCredential(dir_->authority(), dir_->ledger(), {id}, clock_.Now());
    EXPECT_TRUE(credential.ok()) << credential.status();
    serial_ = credential->record.serial_hex;
    return auth::CallCredentials{std::nullopt, credential->cert_chain_pem};
  }

  FakeClock clock_{FromUnixSeconds(1'760'000'000)};
  std::unique_ptr<testing::TestDataDir> dir_;
  pki::AuthorityHolder holder_;
  std::unique_ptr<issuance::LedgerRevocationChecker> revocations_;
  std::unique_ptr<auth::Authenticator> authenticator_;
  std::unique_ptr<AdminAuthorizer> authorizer_;
  std::string serial_;
};

TEST_F(AdminAuthorizerTest, EveryMethodOfTheServiceHasARule) {
  const google::protobuf::ServiceDescriptor* service =
      v1::ListCertificatesRequest::descriptor()->file()->FindServiceByName("AdminService");
  ASSERT_NE(service, nullptr);
  for (int i = 0; i < service->method_count(); ++i) {
    SCOPED_TRACE(service->method(i)->name());
    EXPECT_EQ(AdminAuthorizer::Rules().count(service->method(i)->name()), 1u)
        << "add the method to AdminAuthorizer::Rules()";
  }
  EXPECT_EQ(AdminAuthorizer::Rules().size(), static_cast<size_t>(service->method_count()));
}

TEST_F(AdminAuthorizerTest, Decisions) {
  struct Case {
    const char* name;
    std::function<auth::CallCredentials()> credentials;
    std::string method;
    absl::StatusCode code;
  };
  const std::vector<Case> cases = {
      {"admin", [&] { return CertificateFor(kAlice); }, "ListCertificates", absl::StatusCode::kOk},
      {"admin revokes", [&] { return CertificateFor(kAlice); }, "RevokeCertificates",
       absl::StatusCode::kOk},
      {"valid certificate, not an admin", [&] { return CertificateFor(kBob); }, "GetStats",
       absl::StatusCode::kPermissionDenied},
      {"admin, method without a rule", [&] { return CertificateFor(kAlice); }, "DropLedger",
       absl::StatusCode::kPermissionDenied},
      {"no certificate", [] { return auth::CallCredentials{}; }, "ListCertificates",
       absl::StatusCode::kUnauthenticated},
      {"a bearer token is not enough",
       [] {
         return auth::CallCredentials{std::string("Bearer x.y.z"), ""};
       },
       "ListCertificates", absl::StatusCode::kUnauthenticated},
      {"garbage certificate",
       [] {
         return auth::CallCredentials{std::nullopt, "not pem"};
       },
       "ListCertificates", absl::StatusCode::kUnauthenticated},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto got = authorizer_->Authorize(c.method, c.credentials());
    EXPECT_EQ(got.status().code(), c.code) << got.status();
    if (got.ok()) {
      EXPECT_EQ(got->id.str(), kAlice);
    }
  }
}

TEST_F(AdminAuthorizerTest, RevokedOrExpiredAdminCertificateIsUnauthenticated) {
  auth::CallCredentials alice = CertificateFor(kAlice);
  ASSERT_TRUE(authorizer_->Authorize("GetStats", alice).ok());
  ASSERT_TRUE(dir_->ledger().RevokeCertificate(serial_, "lost laptop", clock_.Now()).ok());
  auto revoked = authorizer_->Authorize("GetStats", alice);
  EXPECT_EQ(revoked.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(revoked.status().message().find("revoked"), absl::string_view::npos);

  auth::CallCredentials fresh = CertificateFor(kAlice);
  clock_.Advance(std::chrono::hours(25));  // the default TTL is 24h
  EXPECT_EQ(authorizer_->Authorize("GetStats", fresh).status().code(),
            absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace svidd::api
