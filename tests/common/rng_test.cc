#include "common/rng.h"

#include <cctype>

#include <gtest/gtest.h>

namespace ca {
namespace {

// FixedRng returns the same byte over and over.
class FixedRng final : public Rng {
 public:
  explicit FixedRng(uint8_t b) : b_(b) {}
  Bytes Generate(size_t n) override { return Bytes(n, b_); }

 private:
  uint8_t b_;
};

// 0xf8.. and 0xfc.. would start base64url with '-' and '_': an ID on a command line that starts
// with '-' reads as an option (a device ID broke `attestca device resume ID` that way).
TEST(RandomId, NeverStartsWithADashOrAnUnderscore) {
  for (int b = 0; b < 256; ++b) {
    FixedRng rng(static_cast<uint8_t>(b));
    std::string id = RandomId(rng, 12);
    ASSERT_EQ(id.size(), 16u);
    EXPECT_NE(id[0], '-') << b;
    EXPECT_NE(id[0], '_') << b;
  }
  SystemRng real;
  for (int i = 0; i < 2000; ++i) {
    std::string id = RandomId(real, 12);
    ASSERT_TRUE(std::isalpha(static_cast<unsigned char>(id[0]))) << id;
  }
}

}  // namespace
}  // namespace ca
