#include "svidd/agent/svid_store.h"

#include <gtest/gtest.h>

#include "agent/agent_test_pki.h"

namespace svidd::testing {
namespace {

TEST(SvidStoreTest, NotifiesChangesInOrderAndSkipsNoOps) {
  const TimePoint now = SystemClock::Instance().Now();
  AgentTestPki pki(now);
  agent::SvidStore store;
  std::vector<uint64_t> versions;
  uint64_t id = store.Subscribe([&](const agent::AgentState& s) { versions.push_back(s.version); });

  EXPECT_TRUE(store.SetBundle(pki.bundle(1)));
  EXPECT_FALSE(store.SetBundle(pki.bundle(2))) << "same roots and CRLs: no change";
  auto with_crl =
      agent::X509Bundle::Create("cluster.local", 3, pki.roots_pem(), {"crl-der"}).value();
  EXPECT_TRUE(store.SetBundle(with_crl)) << "a new CRL is a change";
  auto svid = pki.IssueSvid(kAgentId, now, std::chrono::hours(1));
  EXPECT_TRUE(store.SetSvid(svid));
  EXPECT_FALSE(store.SetSvid(svid));
  EXPECT_EQ(versions, (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(store.Current().svid, svid);

  store.Unsubscribe(id);
  store.Close();
  EXPECT_TRUE(store.Current().closed);
  EXPECT_FALSE(store.SetSvid(pki.IssueSvid(kAgentId, now, std::chrono::hours(1))))
      << "closed: later updates are ignored";
  EXPECT_EQ(versions.size(), 3u);
}

}  // namespace
}  // namespace svidd::testing
