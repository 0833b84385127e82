#include "svidd/common/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

namespace svidd {
namespace {

std::filesystem::path FreshDir() {
  auto dir = std::filesystem::temp_directory_path() /
             ("svidd-atomic-" + std::to_string(::getpid()) + "-" +
              std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  std::filesystem::remove_all(dir);
  return dir;
}

TEST(AtomicFileTest, WritesReplacesAndKeepsModeFromCreation) {
  auto dir = FreshDir();
  ASSERT_TRUE(EnsureDirectory(dir, 0700).ok());
  struct stat st;
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  auto key = dir / "key.pem";
  ASSERT_TRUE(WriteFileAtomically(key, "first", 0600).ok());
  ASSERT_TRUE(WriteFileAtomically(key, "second", 0600).ok());
  EXPECT_EQ(ReadFileToString(key).value(), "second");
  ASSERT_EQ(::stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // No temporary files left behind.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++entries;
  EXPECT_EQ(entries, 1);
  std::filesystem::remove_all(dir);
}

TEST(AtomicFileTest, MissingFileIsNotFoundAndUnwritableDirIsAnError) {
  EXPECT_TRUE(absl::IsNotFound(ReadFileToString("/nonexistent/svidd/x").status()));
  EXPECT_FALSE(WriteFileAtomically("/nonexistent/svidd/x", "y").ok());
}

}  // namespace
}  // namespace svidd
