#include "common/file_lock.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace ca {
namespace {

std::string LockPath() {
  return (std::filesystem::temp_directory_path() / ("attestca-lock-" + std::to_string(::getpid()))).string();
}

// flock locks belong to an open file: a second open in this process competes like another process.
TEST(FileLock, TryTakeIsRefusedWhileHeldAndFreeAfter) {
  const std::string path = LockPath();
  {
    auto held = FileLock::Take(path);
    ASSERT_TRUE(held) << held.error().detail;
    auto second = FileLock::TryTake(path);
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, Errc::kConflict);
    EXPECT_NE(second.error().detail.find(path), std::string::npos);
  }
  auto again = FileLock::TryTake(path);
  EXPECT_TRUE(again);
  FileLock moved = std::move(*again);  // the lock moves with the object
  EXPECT_FALSE(FileLock::TryTake(path));
  moved = FileLock();  // replaced: released
  EXPECT_TRUE(FileLock::TryTake(path));
  std::filesystem::remove(path);
}

TEST(FileLock, AnUnopenablePathIsAnInternalError) {
  auto r = FileLock::TryTake("/nonexistent-dir/x.lock");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInternal);
}

}  // namespace
}  // namespace ca
