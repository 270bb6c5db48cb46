#include "common/lru_map.h"

#include <gtest/gtest.h>

#include <string>

namespace ca {
namespace {

TEST(LruMap, ForgetsTheLeastRecentlyUsedFirst) {
  LruMap<std::string, int> m(2);
  m.Put("a", 1);
  m.Put("b", 2);
  ASSERT_NE(m.Find("a"), nullptr);  // a is now the most recently used
  m.Put("c", 3);                    // so b goes
  EXPECT_EQ(m.size(), 2u);
  EXPECT_EQ(m.Find("b"), nullptr);
  ASSERT_NE(m.Find("a"), nullptr);
  EXPECT_EQ(*m.Find("a"), 1);
  ASSERT_NE(m.Find("c"), nullptr);
  EXPECT_EQ(*m.Find("c"), 3);
}

TEST(LruMap, PutReplacesInPlaceAndTouches) {
  LruMap<std::string, int> m(2);
  m.Put("a", 1);
  m.Put("b", 2);
  m.Put("a", 10);  // replaces, no eviction, a most recent
  EXPECT_EQ(m.size(), 2u);
  m.Put("c", 3);  // b goes
  EXPECT_EQ(m.Find("b"), nullptr);
  ASSERT_NE(m.Find("a"), nullptr);
  EXPECT_EQ(*m.Find("a"), 10);
}

TEST(LruMap, FoundEntriesCanBeChangedInPlace) {
  LruMap<std::string, std::string> m(4);
  m.Put("k", "old");
  *m.Find("k") = "new";
  EXPECT_EQ(*m.Find("k"), "new");
}

TEST(LruMap, EraseAndClear) {
  LruMap<int, int> m(3);
  m.Put(1, 1);
  m.Put(2, 2);
  m.Erase(1);
  m.Erase(7);  // absent: nothing happens
  EXPECT_EQ(m.Find(1), nullptr);
  EXPECT_EQ(m.size(), 1u);
  m.Put(3, 3);
  m.Put(4, 4);  // room for three: 2, 3, 4 all stay
  EXPECT_NE(m.Find(2), nullptr);
  EXPECT_EQ(m.size(), 3u);
  m.Clear();
  EXPECT_EQ(m.size(), 0u);
  EXPECT_EQ(m.Find(2), nullptr);
  m.Put(5, 5);
  EXPECT_EQ(*m.Find(5), 5);
}

TEST(LruMap, CapacityZeroStillHoldsOne) {
  LruMap<int, int> m(0);
  m.Put(1, 1);
  m.Put(2, 2);
  EXPECT_EQ(m.size(), 1u);
  EXPECT_EQ(m.Find(1), nullptr);
  EXPECT_EQ(*m.Find(2), 2);
}

}  // namespace
}  // namespace ca
