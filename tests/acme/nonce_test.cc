#include "acme/nonce.h"

#include <gtest/gtest.h>

#include <set>

#include "acme/nonce_store.h"
#include "common/base64.h"
#include "storage/store.h"
#include "support/fakes.h"

namespace ca::acme {
namespace {

// Redeemed reads a Redeem answer that must not be a store error.
bool Redeemed(NonceSource& s, const std::string& n) {
  auto r = s.Redeem(n);
  EXPECT_TRUE(r) << (r ? "" : r.error().detail);
  return r && *r;
}

TEST(MemoryNonceSource, RedeemsOnce) {
  testing::FakeClock clock(1000);
  SystemRng rng;
  MemoryNonceSource nonces(clock, rng, 60);
  std::string n = *nonces.Issue();
  EXPECT_EQ(Base64UrlDecode(n)->size(), 16u);
  EXPECT_TRUE(Redeemed(nonces, n));
  EXPECT_FALSE(Redeemed(nonces, n));
  EXPECT_FALSE(Redeemed(nonces, "never-issued"));
  EXPECT_FALSE(Redeemed(nonces, ""));
}

TEST(MemoryNonceSource, ExpiredNoncesAreRefused) {
  testing::FakeClock clock(1000);
  SystemRng rng;
  MemoryNonceSource nonces(clock, rng, 60);
  std::string n = *nonces.Issue();
  clock.Advance(61);
  EXPECT_FALSE(Redeemed(nonces, n));
}

TEST(MemoryNonceSource, BoundedMemoryEvictsOldest) {
  testing::FakeClock clock(1000);
  SystemRng rng;
  MemoryNonceSource nonces(clock, rng, 3600, /*max_outstanding=*/4);
  std::string first = *nonces.Issue();
  std::set<std::string> later;
  for (int i = 0; i < 4; ++i) later.insert(*nonces.Issue());
  EXPECT_EQ(later.size(), 4u);
  EXPECT_FALSE(Redeemed(nonces, first));  // evicted
  for (const auto& n : later) EXPECT_TRUE(Redeemed(nonces, n));
}

// Two sources on one store stand for two nodes on one database.
class StoreNonceSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = storage::OpenSqliteStore(":memory:");
    ASSERT_TRUE(s) << s.error().detail;
    store_ = std::move(*s);
  }
  testing::FakeClock clock_{1000};
  SystemRng rng_;
  std::unique_ptr<storage::Store> store_;
};

TEST_F(StoreNonceSourceTest, IssuedOnOneNodeRedeemsOnceOnAny) {
  StoreNonceSource a(*store_, clock_, rng_, 60), b(*store_, clock_, rng_, 60);
  std::string n = *a.Issue();
  EXPECT_EQ(Base64UrlDecode(n)->size(), 16u);
  EXPECT_TRUE(Redeemed(b, n));
  EXPECT_FALSE(Redeemed(a, n));
  EXPECT_FALSE(Redeemed(b, n));
  EXPECT_FALSE(Redeemed(a, "never-issued"));
  EXPECT_FALSE(Redeemed(a, ""));
  EXPECT_FALSE(Redeemed(a, std::string(1000, 'A')));
}

TEST_F(StoreNonceSourceTest, ExpiredNoncesAreRefused) {
  StoreNonceSource a(*store_, clock_, rng_, 60);
  std::string n = *a.Issue();
  clock_.Advance(60);  // redeemable while now < issued + lifetime
  EXPECT_FALSE(Redeemed(a, n));
}

// Unredeemed nonces do not pile up: issuing purges expired ones, a bounded batch at a time.
TEST_F(StoreNonceSourceTest, IssuingPurgesExpiredNonces) {
  StoreNonceSource a(*store_, clock_, rng_, 60);
  std::vector<std::string> old;
  for (int i = 0; i < 10; ++i) old.push_back(*a.Issue());
  clock_.Advance(61);
  for (uint64_t i = 0; i < StoreNonceSource::kPurgeEvery; ++i) ASSERT_TRUE(a.Issue());
  // Nothing expired is left to purge: the issues above removed all ten.
  EXPECT_EQ(*store_->PurgeExpiredNonces(clock_.Now(), 1000), 0);
  // The 64 fresh ones were kept (they expire 60s later), the purge is bounded by its limit.
  EXPECT_EQ(*store_->PurgeExpiredNonces(clock_.Now() + 60, 5), 5);
  EXPECT_EQ(*store_->PurgeExpiredNonces(clock_.Now() + 60, 1000), 59);
}

}  // namespace
}  // namespace ca::acme
