#include "svidd/pki/leaf_profile.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "svidd/common/time_format.h"

namespace svidd::pki {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::HasSubstr;

const TimePoint kProfileNow = FromUnixSeconds(1'900'000'000);
const TimePoint kSignerNotAfter = kProfileNow + hours(24 * 365);

spiffe::SpiffeId ProfileWorkload() {
  return spiffe::SpiffeId::Parse("spiffe://cluster.local/ns/default/sa/web").value();
}

TtlPolicy Policy() {
  TtlPolicy policy;
  policy.default_ttl = hours(12);
  policy.max_ttl = hours(24);
  policy.backdate = minutes(2);
  return policy;
}

TEST(LeafProfileTest, TtlFollowsThePolicy) {
  struct Case {
    const char* name;
    seconds requested;
    seconds expected;
  };
  const Case cases[] = {
      {"zero means default", seconds(0), hours(12)},
      {"negative means default", seconds(-60), hours(12)},
      {"within the maximum is kept", hours(1), hours(1)},
      {"exactly the maximum is kept", hours(24), hours(24)},
      {"above the maximum is clamped", hours(48), hours(24)},
      {"far above the maximum is clamped", hours(24 * 3650), hours(24)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<LeafProfile> profile =
        BuildLeafProfile(ProfileWorkload(), c.requested, Policy(), kProfileNow, kSignerNotAfter);
    ASSERT_TRUE(profile.ok()) << profile.status();
    EXPECT_EQ(profile->not_after, kProfileNow + c.expected);
  }
}

TEST(LeafProfileTest, DefaultAboveMaximumIsClamped) {
  TtlPolicy policy = Policy();
  policy.default_ttl = hours(48);
  auto profile =
      BuildLeafProfile(ProfileWorkload(), seconds(0), policy, kProfileNow, kSignerNotAfter);
  ASSERT_TRUE(profile.ok()) << profile.status();
  EXPECT_EQ(profile->not_after, kProfileNow + hours(24));
}

TEST(LeafProfileTest, NotAfterIsCappedAtTheSigner) {
  const TimePoint signer_not_after = kProfileNow + hours(1);
  auto profile =
      BuildLeafProfile(ProfileWorkload(), hours(24), Policy(), kProfileNow, signer_not_after);
  ASSERT_TRUE(profile.ok()) << profile.status();
  EXPECT_EQ(profile->not_after, signer_not_after);
}

TEST(LeafProfileTest, ExpiredSignerIsRefused) {
  for (TimePoint signer_not_after :
       {kProfileNow, kProfileNow - seconds(1), kProfileNow - hours(24)}) {
    SCOPED_TRACE(FormatRfc3339(signer_not_after));
    auto profile =
        BuildLeafProfile(ProfileWorkload(), hours(1), Policy(), kProfileNow, signer_not_after);
    EXPECT_EQ(profile.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(profile.status().message()), HasSubstr("expired"));
  }
}

TEST(LeafProfileTest, NotBeforeIsBackdated) {
  auto profile =
      BuildLeafProfile(ProfileWorkload(), hours(1), Policy(), kProfileNow, kSignerNotAfter);
  ASSERT_TRUE(profile.ok()) << profile.status();
  EXPECT_EQ(profile->not_before, kProfileNow - minutes(2));

  TtlPolicy policy = Policy();
  policy.backdate = minutes(5);
  profile = BuildLeafProfile(ProfileWorkload(), hours(1), policy, kProfileNow, kSignerNotAfter);
  ASSERT_TRUE(profile.ok()) << profile.status();
  EXPECT_EQ(profile->not_before, kProfileNow - minutes(5));
}

TEST(LeafProfileTest, TimesAreWholeSecondsNeverPastTheRequest) {
  const TimePoint now = kProfileNow + std::chrono::milliseconds(750);
  auto profile = BuildLeafProfile(ProfileWorkload(), hours(1), Policy(), now, kSignerNotAfter);
  ASSERT_TRUE(profile.ok()) << profile.status();
  EXPECT_EQ(profile->not_before, kProfileNow - minutes(2));
  EXPECT_EQ(profile->not_after, kProfileNow + hours(1));
}

TEST(LeafProfileTest, CarriesIdentityAndDnsNames) {
  auto profile = BuildLeafProfile(ProfileWorkload(), hours(1), Policy(), kProfileNow,
                                  kSignerNotAfter, {"svidd.example", "localhost"});
  ASSERT_TRUE(profile.ok()) << profile.status();
  EXPECT_EQ(profile->id, ProfileWorkload());
  EXPECT_EQ(profile->dns_names, (std::vector<std::string>{"svidd.example", "localhost"}));
}

TEST(LeafProfileTest, PathlessIdentityIsRefused) {
  auto id = spiffe::SpiffeId::ForTrustDomain("cluster.local");
  ASSERT_TRUE(id.ok()) << id.status();
  auto profile = BuildLeafProfile(*id, hours(1), Policy(), kProfileNow, kSignerNotAfter);
  EXPECT_EQ(profile.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(LeafProfileTest, SerialIsSixteenBytesPositiveAndFresh) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto profile =
        BuildLeafProfile(ProfileWorkload(), hours(1), Policy(), kProfileNow, kSignerNotAfter);
    ASSERT_TRUE(profile.ok()) << profile.status();
    const std::string& serial = profile->serial;
    ASSERT_EQ(serial.size(), 16u);
    EXPECT_EQ(static_cast<unsigned char>(serial[0]) & 0x80, 0);
    EXPECT_NE(serial, std::string(16, '\0'));
    EXPECT_TRUE(seen.insert(serial).second) << "duplicate serial";
  }
}

TEST(RandomSerialTest, TopBitIsAlwaysClear) {
  int top_byte_nonzero = 0;
  for (int i = 0; i < 2000; ++i) {
    auto serial = RandomSerial();
    ASSERT_TRUE(serial.ok()) << serial.status();
    ASSERT_EQ(serial->size(), 16u);
    EXPECT_LT(static_cast<unsigned char>((*serial)[0]), 0x80);
    if ((*serial)[0] != 0) ++top_byte_nonzero;
  }
  EXPECT_GT(top_byte_nonzero, 1900);  // the other 127 bits really are random
}

}  // namespace
}  // namespace svidd::pki
