// StatusListCache over a file: loads, re-reads when the file changes, and fails closed when the file
// is missing or broken (never keeping an older good list).
#include "validation/android_status_source.h"

#include "http/server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
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

namespace ca::validation {
namespace {

// The URL source against the project's own http::Server on 127.0.0.1: cached for `refresh`, fetched
// again when the period turns, failing closed on a non-200 answer or an unreachable server.
TEST(StatusUrl, FetchesCachesPerPeriodAndFailsClosed) {
  std::atomic<int> calls{0};
  std::atomic<int> mode{0};  // 0: one entry, 1: two entries, 2: HTTP 500
  http::ServerOptions opts;
  auto server = http::Server::Start(opts, [&](const http::Request& req) {
    ++calls;
    http::Response res;
    EXPECT_EQ(req.target, "/attestation/status");
    if (mode == 2) {
      res.status = 500;
      return res;
    }
    res.Set("Content-Type", "application/json");
    res.body = mode == 0 ? R"({"entries": {"abc": {"status": "REVOKED"}}})"
                         : R"({"entries": {"abc": {"status": "REVOKED"}, "def": {"status": "SUSPENDED"}}})";
    return res;
  });
  ASSERT_TRUE(server) << server.error().detail;
  std::atomic<int64_t> now{3600 * 10};
  const std::string url = "http://127.0.0.1:" + std::to_string((*server)->port()) + "/attestation/status";
  StatusListCache cache(MakeUrlStatusSource(url, nullptr, std::chrono::seconds(3600), [&] { return now.load(); }));

  auto first = cache.Current();
  ASSERT_NE(first.list, nullptr) << first.unavailable;
  EXPECT_EQ(first.list->entries.size(), 1u);
  now += 1800;  // same period: cached, no new fetch
  mode = 1;
  EXPECT_EQ(cache.Current().list, first.list);
  EXPECT_EQ(calls.load(), 1);

  now += 1800;  // next period: fetched again
  auto second = cache.Current();
  ASSERT_NE(second.list, nullptr) << second.unavailable;
  EXPECT_EQ(second.list->entries.size(), 2u);
  EXPECT_EQ(calls.load(), 2);

  now += 3600;
  mode = 2;
  auto broken = cache.Current();
  EXPECT_EQ(broken.list, nullptr);  // fail closed, the older list is not kept
  EXPECT_EQ(broken.unavailable, "cannot fetch " + url + ": HTTP status 500");
  mode = 0;  // a failed fetch is retried at the next attestation
  auto repaired = cache.Current();
  ASSERT_NE(repaired.list, nullptr) << repaired.unavailable;
  EXPECT_EQ(calls.load(), 4);

  (*server)->Stop();
  now += 3600;
  auto gone = cache.Current();
  EXPECT_EQ(gone.list, nullptr);
  EXPECT_NE(gone.unavailable.find("cannot fetch " + url + ": "), std::string::npos) << gone.unavailable;
}

TEST(StatusUrl, UrlOrFile) {
  EXPECT_TRUE(IsStatusUrl("https://android.googleapis.com/attestation/status"));
  EXPECT_TRUE(IsStatusUrl("http://127.0.0.1:8080/status"));
  EXPECT_FALSE(IsStatusUrl("android-status.json"));
  EXPECT_FALSE(IsStatusUrl("/etc/attestca/https-status.json"));
}

}  // namespace
}  // namespace ca::validation
