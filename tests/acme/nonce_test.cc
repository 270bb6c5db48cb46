#include "acme/nonce.h"

#include <gtest/gtest.h>

#include <set>

#include "common/base64.h"
#include "support/fakes.h"

namespace ca::acme {
namespace {

TEST(NonceStore, RedeemsOnce) {
  testing::FakeClock clock(1000);
  SystemRng rng;
  NonceStore nonces(clock, rng, 60);
  std::string n = nonces.Issue();
  EXPECT_EQ(Base64UrlDecode(n)->size(), 16u);
  EXPECT_TRUE(nonces.Redeem(n));
  EXPECT_FALSE(nonces.Redeem(n));
  EXPECT_FALSE(nonces.Redeem("never-issued"));
  EXPECT_FALSE(nonces.Redeem(""));
}

TEST(NonceStore, ExpiredNoncesAreRefused) {
  testing::FakeClock clock(1000);
  SystemRng rng;
  NonceStore nonces(clock, rng, 60);
  std::string n = nonces.Issue();
  clock.Advance(61);
  EXPECT_FALSE(nonces.Redeem(n));
}

TEST(NonceStore, BoundedMemoryEvictsOldest) {
  testing::FakeClock clock(1000);
  SystemRng rng;
  NonceStore nonces(clock, rng, 3600, /*max_outstanding=*/4);
  std::string first = nonces.Issue();
  std::set<std::string> later;
  for (int i = 0; i < 4; ++i) later.insert(nonces.Issue());
  EXPECT_EQ(later.size(), 4u);
  EXPECT_FALSE(nonces.Redeem(first));  // evicted
  for (const auto& n : later) EXPECT_TRUE(nonces.Redeem(n));
}

}  // namespace
}  // namespace ca::acme
