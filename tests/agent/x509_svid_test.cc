#include "svidd/agent/x509_svid.h"

#include <gtest/gtest.h>

#include "agent/agent_test_pki.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/pem.h"

namespace svidd::testing {
namespace {

using std::chrono::seconds;

TEST(X509SvidTest, LifetimeCountsFromIssuanceWithinTheValidity) {
  const TimePoint now = std::chrono::floor<seconds>(SystemClock::Instance().Now());
  AgentTestPki pki(now);
  crypto::EvpPkeyPtr key = GenerateKey(crypto::KeyType::kEcP256).value();
  const std::string pem =
      pki.IssueChainPem(kAgentId, now, seconds(20), crypto::PublicKeyInfoOf(key.get()).value());
  struct Case {
    const char* name;
    std::optional<TimePoint> issued_at;
    TimePoint want;
  };
  const TimePoint nb = now, na = now + seconds(20);
  for (const Case& c : std::vector<Case>{{"unknown", std::nullopt, nb},
                                         {"before not_before", nb - seconds(120), nb},
                                         {"within", nb + seconds(3), nb + seconds(3)},
                                         {"after not_after", na + seconds(9), na}}) {
    SCOPED_TRACE(c.name);
    crypto::EvpPkeyPtr copy =
        crypto::ParsePrivateKeyPem(crypto::PrivateKeyToPkcs8Pem(key.get()).value()).value();
    auto svid = agent::X509Svid::Create(crypto::ParseCertificatesPem(pem).value(), std::move(copy),
                                        c.issued_at);
    ASSERT_TRUE(svid.ok()) << svid.status();
    EXPECT_EQ((*svid)->not_before(), nb);
    EXPECT_EQ((*svid)->lifetime_start(), c.want);
  }
}

TEST(X509SvidTest, RefusesWhatIsNotAnSvid) {
  const TimePoint now = SystemClock::Instance().Now();
  AgentTestPki pki(now);
  auto a = pki.IssueSvid(kAgentId, now, seconds(60));
  crypto::EvpPkeyPtr other = GenerateKey(crypto::KeyType::kEcP256).value();
  std::vector<crypto::X509Ptr> chain = crypto::ParseCertificatesPem(a->chain_pem()).value();
  EXPECT_TRUE(
      absl::IsInvalidArgument(agent::X509Svid::Create(std::move(chain), std::move(other)).status()))
      << "key of another certificate";
  EXPECT_TRUE(absl::IsInvalidArgument(agent::X509Svid::Create({}, nullptr).status())) << "nothing";
}

}  // namespace
}  // namespace svidd::testing
