#include "svidd/auth/identity_policy.h"

#include <gtest/gtest.h>

namespace svidd::auth {
namespace {

CallerIdentity Caller(const std::string& id) {
  return CallerIdentity{spiffe::SpiffeId::Parse(id).value(), AuthMethod::kKubernetesToken,
                        "system:serviceaccount:foo:bar"};
}

TEST(IdentityPolicyTest, OwnIdentityAllowed) {
  const std::string id = "spiffe://cluster.local/ns/foo/sa/bar";
  EXPECT_TRUE(AuthorizeIdentity(Caller(id), spiffe::SpiffeId::Parse(id).value()).ok());
}

TEST(IdentityPolicyTest, AnyOtherIdentityDeniedNamingBoth) {
  struct Case {
    std::string name, requested;
  };
  const std::vector<Case> cases = {
      {"OtherServiceAccount", "spiffe://cluster.local/ns/foo/sa/admin"},
      {"OtherNamespace", "spiffe://cluster.local/ns/kube-system/sa/bar"},
      {"OtherTrustDomain", "spiffe://evil.example/ns/foo/sa/bar"},
      {"TrustDomainOnly", "spiffe://cluster.local"},
      {"LongerPath", "spiffe://cluster.local/ns/foo/sa/bar/extra"},
  };
  const CallerIdentity caller = Caller("spiffe://cluster.local/ns/foo/sa/bar");
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::Status status = AuthorizeIdentity(caller, spiffe::SpiffeId::Parse(c.requested).value());
    EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
    EXPECT_NE(status.message().find(caller.id.str()), absl::string_view::npos) << status;
    EXPECT_NE(status.message().find(c.requested), absl::string_view::npos) << status;
  }
}

}  // namespace
}  // namespace svidd::auth
