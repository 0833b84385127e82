// Reading a CA for operators: from the directory (without the key) and from an Authority,
// the same answer; an expired CA still reads.
#include "svidd/operator/ca_snapshot.h"

#include <gtest/gtest.h>

#include "support/fleet/test_data_dir.h"
#include "svidd/common/time_format.h"

namespace svidd::testing {
namespace {

const TimePoint kNow = FromUnixSeconds(1'760'000'000);

TEST(CaSnapshotTest, DirectoryAndAuthorityAgree) {
  auto dir = TestDataDir::Create(kNow);
  ASSERT_TRUE(dir.ok()) << dir.status();
  auto from_dir = ops::ReadCaSnapshot((*dir)->ca_dir());
  auto from_authority = ops::CaSnapshotFromAuthority((*dir)->authority());
  ASSERT_TRUE(from_dir.ok()) << from_dir.status();
  ASSERT_TRUE(from_authority.ok()) << from_authority.status();
  EXPECT_EQ(from_dir->trust_domain, "cluster.local");
  EXPECT_EQ(from_dir->roots_pem, from_authority->roots_pem);
  ASSERT_EQ(from_dir->certificates.size(), from_authority->certificates.size());
  for (size_t i = 0; i < from_dir->certificates.size(); ++i) {
    const ops::CaCertificateInfo& a = from_dir->certificates[i];
    const ops::CaCertificateInfo& b = from_authority->certificates[i];
    EXPECT_EQ(a.role, b.role);
    EXPECT_EQ(a.serial_hex, b.serial_hex);
    EXPECT_EQ(a.subject, b.subject);
    EXPECT_EQ(a.not_after, b.not_after);
    EXPECT_EQ(a.key_type, "EC-P256");
  }
  EXPECT_EQ(from_dir->certificates[0].role, ops::CaRole::kSigner);
  EXPECT_EQ(from_dir->certificates[0].serial_hex, (*dir)->authority().signer_serial_hex());
}

TEST(CaSnapshotTest, ExpiredCaAndUnreadableKeyStillRead) {
  auto dir = TestDataDir::Create(kNow - std::chrono::hours(48), std::chrono::hours(24));
  ASSERT_TRUE(dir.ok()) << dir.status();
  std::filesystem::remove((*dir)->ca_dir() / "ca-key.pem");
  auto snapshot = ops::ReadCaSnapshot((*dir)->ca_dir());
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_LT(snapshot->certificates[0].not_after, kNow);
}

TEST(CaSnapshotTest, NoCaIsNotFound) {
  auto snapshot = ops::ReadCaSnapshot("/nonexistent/svidd/ca");
  EXPECT_EQ(snapshot.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace svidd::testing
