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

TEST(AtomicFileTest, GroupIsStagedThenRenamedInOrderWithEachMode) {
  auto dir = FreshDir();
  ASSERT_TRUE(EnsureDirectory(dir, 0700).ok());
  ASSERT_TRUE(WriteFilesAtomically({{dir / "root.pem", "root", 0644},
                                    {dir / "key.pem", "key", 0600},
                                    {dir / "chain.pem", "chain", 0644}})
                  .ok());
  struct Case {
    const char* name;
    const char* content;
    unsigned mode;
  };
  for (const Case& c : std::vector<Case>{
           {"root.pem", "root", 0644}, {"key.pem", "key", 0600}, {"chain.pem", "chain", 0644}}) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ReadFileToString(dir / c.name).value(), c.content);
    struct stat st;
    ASSERT_EQ(::stat((dir / c.name).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, c.mode);
  }
  // The renames happen in the given order: modification times never go backwards.
  auto mtime = [&](const char* name) { return std::filesystem::last_write_time(dir / name); };
  EXPECT_LE(mtime("root.pem"), mtime("key.pem"));
  EXPECT_LE(mtime("key.pem"), mtime("chain.pem"));
  std::filesystem::remove_all(dir);
}

TEST(AtomicFileTest, GroupReplacesNothingWhenOneFileCannotBeStaged) {
  auto dir = FreshDir();
  ASSERT_TRUE(EnsureDirectory(dir, 0700).ok());
  ASSERT_TRUE(WriteFileAtomically(dir / "key.pem", "old key", 0600).ok());
  absl::Status status = WriteFilesAtomically(
      {{dir / "key.pem", "new key", 0600}, {dir / "missing" / "chain.pem", "chain", 0644}});
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(ReadFileToString(dir / "key.pem").value(), "old key");
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++entries;
  EXPECT_EQ(entries, 1) << "the staged temporary is removed";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace svidd
