#include "svidd/agent/svid_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <thread>

#include "agent/agent_test_pki.h"
#include "svidd/common/atomic_file.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/pem.h"

namespace svidd::testing {
namespace {

unsigned ModeOf(const std::filesystem::path& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

int CountEntries(const std::filesystem::path& dir) {
  int n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

class SvidFilesTest : public ::testing::Test {
 protected:
  TimePoint now_ = SystemClock::Instance().Now();
  AgentTestPki pki_{now_};
  TempDir dir_;
  agent::SvidFiles files_{dir_.path() / "out"};
};

TEST_F(SvidFilesTest, WritesTheIstioNamesWithTheirModesAndReadsThemBack) {
  auto svid = pki_.IssueSvid(kAgentId, now_, std::chrono::hours(1));
  ASSERT_TRUE(files_.WriteSvid(*svid, *pki_.bundle()).ok());
  struct Case {
    std::filesystem::path path;
    unsigned mode;
    std::string content;
  };
  for (const Case& c : std::vector<Case>{{files_.key_path(), 0600, svid->key_pem()},
                                         {files_.chain_path(), 0644, svid->chain_pem()},
                                         {files_.roots_path(), 0644, pki_.bundle()->roots_pem()}}) {
    SCOPED_TRACE(c.path.string());
    EXPECT_EQ(ModeOf(c.path), c.mode);
    EXPECT_EQ(ReadFileToString(c.path).value(), c.content);
  }
  EXPECT_EQ(ModeOf(dir_.path() / "out"), 0750u);
  EXPECT_EQ(CountEntries(dir_.path() / "out"), 3) << "no temporary files left";
  // cert-chain.pem: leaf and intermediate, no root.
  EXPECT_EQ(crypto::ParseCertificatesPem(svid->chain_pem()).value().size(), 2u);

  auto read = files_.ReadSvid();
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ((*read)->serial(), svid->serial());
  EXPECT_TRUE(crypto::KeyMatchesCertificate((*read)->key(), (*read)->leaf()));
}

TEST_F(SvidFilesTest, ABundleChangeRewritesOnlyTheRoots) {
  auto svid = pki_.IssueSvid(kAgentId, now_, std::chrono::hours(1));
  ASSERT_TRUE(files_.WriteSvid(*svid, *pki_.bundle()).ok());
  AgentTestPki other(now_);
  std::string two_roots = pki_.roots_pem() + other.roots_pem();
  auto bigger = agent::X509Bundle::Create("cluster.local", 2, two_roots, {}).value();
  ASSERT_TRUE(files_.WriteRoots(*bigger).ok());
  EXPECT_EQ(ReadFileToString(files_.roots_path()).value(), bigger->roots_pem());
  EXPECT_EQ(ReadFileToString(files_.chain_path()).value(), svid->chain_pem());
}

TEST_F(SvidFilesTest, MissingOrMismatchedFilesAreNotAnSvid) {
  EXPECT_TRUE(absl::IsNotFound(files_.ReadSvid().status()));
  auto a = pki_.IssueSvid(kAgentId, now_, std::chrono::hours(1));
  auto b = pki_.IssueSvid(kAgentId, now_, std::chrono::hours(1));
  ASSERT_TRUE(files_.WriteSvid(*a, *pki_.bundle()).ok());
  ASSERT_TRUE(WriteFileAtomically(files_.key_path(), b->key_pem(), 0600).ok());
  EXPECT_TRUE(absl::IsInvalidArgument(files_.ReadSvid().status()));
}

TEST_F(SvidFilesTest, AConcurrentReaderNeverSeesAHalfWrittenFile) {
  std::vector<std::shared_ptr<const agent::X509Svid>> svids;
  for (int i = 0; i < 4; ++i)
    svids.push_back(pki_.IssueSvid(kAgentId, now_, std::chrono::hours(1)));
  ASSERT_TRUE(files_.WriteSvid(*svids[0], *pki_.bundle()).ok());
  std::atomic<bool> done{false};
  std::atomic<int> reads{0}, torn{0};
  std::thread reader([&] {
    while (!done) {
      auto chain = ReadFileToString(files_.chain_path());
      auto key = ReadFileToString(files_.key_path());
      if (!chain.ok() || !crypto::ParseCertificatesPem(*chain).ok()) ++torn;
      if (!key.ok() || !crypto::ParsePrivateKeyPem(*key).ok()) ++torn;
      ++reads;
    }
  });
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(files_.WriteSvid(*svids[i % 4], *pki_.bundle()).ok());
  done = true;
  reader.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(torn.load(), 0);
}

}  // namespace
}  // namespace svidd::testing
