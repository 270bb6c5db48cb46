// StatusListCache over a file: loads, re-reads when the file changes, and fails closed when the file
// is missing or broken (never keeping an older good list).
#include "validation/android_status_source.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace ca::validation {
namespace {

class StatusFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("attestca-status-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "status.json").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& text) {
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << text;
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(StatusFile, LoadsReloadsAndFailsClosed) {
  StatusListCache cache(MakeFileStatusSource(path_));

  auto missing = cache.Current();
  EXPECT_TRUE(missing.configured);
  EXPECT_EQ(missing.list, nullptr);
  EXPECT_EQ(missing.unavailable, "cannot stat " + path_);

  Write(R"({"entries": {"abc": {"status": "REVOKED"}}})");
  auto first = cache.Current();
  ASSERT_NE(first.list, nullptr) << first.unavailable;
  EXPECT_EQ(first.list->entries.count("abc"), 1u);
  EXPECT_EQ(cache.Current().list, first.list);  // unchanged file: the same parsed list

  Write(R"({"entries": {"abc": {"status": "REVOKED"}, "def": {"status": "SUSPENDED"}}})");
  auto second = cache.Current();
  ASSERT_NE(second.list, nullptr) << second.unavailable;
  EXPECT_EQ(second.list->entries.count("def"), 1u);

  Write("{\"entries\": ");  // truncated download
  auto broken = cache.Current();
  EXPECT_EQ(broken.list, nullptr);
  EXPECT_EQ(broken.unavailable, path_ + ": status list: not JSON");

  Write(R"({"entries": {}})");
  auto fixed = cache.Current();
  ASSERT_NE(fixed.list, nullptr) << fixed.unavailable;
  EXPECT_TRUE(fixed.list->entries.empty());

  std::filesystem::remove(path_);
  EXPECT_EQ(cache.Current().list, nullptr);
}

}  // namespace
}  // namespace ca::validation
