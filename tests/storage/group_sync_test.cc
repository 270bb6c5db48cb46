// GroupSync: every write waits for an fsync that began after it; concurrent writers share fsyncs; a
// failed fsync refuses every later write. Plus the file store under concurrent writers.
#include "storage/sqlite/group_sync.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "storage/store.h"

namespace ca::storage::sqlite {
namespace {

TEST(GroupSync, EachLoneWriteGetsItsOwnSync) {
  int syncs = 0;
  GroupSync g([&]() -> Result<void> {
    ++syncs;
    return Ok();
  });
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(g.WaitDurable());
  EXPECT_EQ(syncs, 3);
  EXPECT_EQ(g.syncs(), 3u);
}

TEST(GroupSync, ConcurrentWritersShareSyncsAndNoneReturnsEarly) {
  // commits_done counts commits; a sync records how many commits existed when it began. A writer
  // may return only after a sync that began after its commit.
  std::atomic<int> commits_done{0};
  std::atomic<int> covered{0};  // commits covered by the last finished sync
  GroupSync g([&]() -> Result<void> {
    int at_start = commits_done.load();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    covered.store(std::max(covered.load(), at_start));
    return Ok();
  });
  constexpr int kThreads = 16, kWrites = 25;
  std::atomic<int> early{0}, failed{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&] {
      for (int i = 0; i < kWrites; ++i) {
        int mine = ++commits_done;  // "COMMIT returned"
        if (!g.WaitDurable()) ++failed;
        if (covered.load() < mine) ++early;
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(early.load(), 0);
  EXPECT_LT(g.syncs(), static_cast<uint64_t>(kThreads * kWrites)) << "no fsync was ever shared";
}

TEST(GroupSync, AFailedSyncRefusesEveryLaterWrite) {
  int calls = 0;
  GroupSync g([&]() -> Result<void> {
    if (++calls == 2) return Fail(Errc::kInternal, "EIO");
    return Ok();
  });
  ASSERT_TRUE(g.WaitDurable());
  auto second = g.WaitDurable();
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().detail, "EIO");
  auto third = g.WaitDurable();
  ASSERT_FALSE(third);
  EXPECT_NE(third.error().detail.find("fsync failed earlier"), std::string::npos);
  EXPECT_EQ(calls, 2);
}

TEST(SqliteFileStore, ConcurrentWritersAllLandAndSurviveReopen) {
  auto path = std::filesystem::temp_directory_path() / ("group_sync_" + std::to_string(getpid()) + ".db");
  std::filesystem::remove(path);
  {
    auto s = OpenSqliteStore(path.string());
    ASSERT_TRUE(s) << s.error().detail;
    std::vector<std::thread> ts;
    std::atomic<int> failed{0};
    for (int t = 0; t < 8; ++t) {
      ts.emplace_back([&, t] {
        for (int i = 0; i < 20; ++i) {
          core::Account a;
          a.id = "acct-" + std::to_string(t) + "-" + std::to_string(i);
          a.provisioner = "acme";
          a.jwk_json = "{}";
          a.thumbprint = a.id;
          a.created_at = 1;
          if (!(*s)->CreateAccount(a)) ++failed;
        }
      });
    }
    for (auto& t : ts) t.join();
    EXPECT_EQ(failed.load(), 0);
  }
  auto again = OpenSqliteStore(path.string());
  ASSERT_TRUE(again) << again.error().detail;
  for (int t = 0; t < 8; ++t) {
    for (int i = 0; i < 20; ++i) {
      EXPECT_TRUE((*again)->GetAccount("acct-" + std::to_string(t) + "-" + std::to_string(i)));
    }
  }
  again->reset();
  for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + ext);
}

}  // namespace
}  // namespace ca::storage::sqlite
