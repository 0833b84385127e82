// The bundle sequence: moves on every change and only then, survives restarts, and the
// listener hears every change in order.
#include "svidd/publish/trust_bundle_publisher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

namespace svidd::publish {
namespace {

class TrustBundlePublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("bundle-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<TrustBundlePublisher> Open() {
    auto publisher = TrustBundlePublisher::Create("example.org", dir_ / "trust-bundle.json");
    EXPECT_TRUE(publisher.ok()) << publisher.status();
    return publisher.ok() ? std::move(*publisher) : nullptr;
  }

  std::filesystem::path dir_;
};

TEST_F(TrustBundlePublisherTest, SequenceMovesOnEveryChangeAndOnlyThen) {
  auto publisher = Open();
  std::vector<uint64_t> heard;
  publisher->SetListener([&](auto bundle) { heard.push_back(bundle->sequence); });
  ASSERT_TRUE(publisher->Update("ROOT-A", std::nullopt).ok());
  ASSERT_TRUE(publisher->Update("ROOT-A", std::nullopt).ok());  // no change
  ASSERT_TRUE(publisher->Update(std::nullopt, std::vector<std::string>{"CRL-1"}).ok());
  ASSERT_TRUE(publisher->Update("ROOT-A\nROOT-B", std::nullopt).ok());
  EXPECT_EQ(heard, (std::vector<uint64_t>{1, 2, 3}));
  auto current = publisher->Current();
  EXPECT_EQ(current->sequence, 3u);
  EXPECT_EQ(current->roots_pem, "ROOT-A\nROOT-B");
  EXPECT_EQ(current->crls_der, std::vector<std::string>{"CRL-1"});
  EXPECT_EQ(current->trust_domain, "example.org");
}

TEST_F(TrustBundlePublisherTest, RestartKeepsTheNumberOfTheSameBundleAndMovesPastIt) {
  {
    auto publisher = Open();
    ASSERT_TRUE(publisher->Update("ROOT-A", std::nullopt).ok());
    ASSERT_TRUE(publisher->Update("ROOT-B", std::nullopt).ok());
    EXPECT_EQ(publisher->Current()->sequence, 2u);
  }
  {
    auto same = Open();
    ASSERT_TRUE(same->Update("ROOT-B", std::nullopt).ok());
    EXPECT_EQ(same->Current()->sequence, 2u) << "same bundle, same number";
  }
  auto changed = Open();
  ASSERT_TRUE(changed->Update("ROOT-A", std::nullopt).ok());
  EXPECT_EQ(changed->Current()->sequence, 3u) << "a bundle seen before still gets a new number";
}

TEST_F(TrustBundlePublisherTest, CorruptStateFileIsRefusedNotReset) {
  std::ofstream(dir_ / "trust-bundle.json") << "{\"sequence\": \"seven\"}";
  auto publisher = TrustBundlePublisher::Create("example.org", dir_ / "trust-bundle.json");
  ASSERT_FALSE(publisher.ok());
  EXPECT_NE(publisher.status().message().find("trust-bundle.json"), std::string::npos);
}

}  // namespace
}  // namespace svidd::publish
