#include "common/base64.h"

#include <gtest/gtest.h>

namespace ca {
namespace {

struct Vector {
  const char* plain;
  const char* std_b64;
  const char* url_b64;  // unpadded
};

// RFC 4648 §10 test vectors.
constexpr Vector kRfc4648[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

TEST(Base64Test, Rfc4648Vectors) {
  for (const auto& v : kRfc4648) {
    SCOPED_TRACE(v.plain);
    EXPECT_EQ(Base64Encode(AsBytes(v.plain)), v.std_b64);
    EXPECT_EQ(Base64UrlEncode(std::string_view(v.plain)), v.url_b64);
    auto d = Base64Decode(v.std_b64);
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(ToString(*d), v.plain);
    auto u = Base64UrlDecode(v.url_b64);
    ASSERT_TRUE(u.has_value());
    EXPECT_EQ(ToString(*u), v.plain);
  }
}

TEST(Base64Test, UrlAlphabet) {
  const Bytes b = {0xfb, 0xff, 0xbf};
  EXPECT_EQ(Base64Encode(b), "+/+/");
  EXPECT_EQ(Base64UrlEncode(b), "-_-_");
  EXPECT_EQ(Base64UrlDecode("-_-_"), b);
  EXPECT_EQ(Base64Decode("+/+/"), b);
  EXPECT_FALSE(Base64UrlDecode("+/+/").has_value());
  EXPECT_FALSE(Base64Decode("-_-_").has_value());
}

TEST(Base64Test, AllBytesRoundTrip) {
  Bytes all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<uint8_t>(i));
  for (size_t len = 0; len <= all.size(); len += 37) {
    Bytes in(all.begin(), all.begin() + static_cast<long>(len));
    EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(in)), in);
    EXPECT_EQ(Base64Decode(Base64Encode(in)), in);
  }
}

TEST(Base64Test, UrlPaddingOnlyWhenAllowed) {
  EXPECT_FALSE(Base64UrlDecode("Zg==").has_value());
  EXPECT_FALSE(Base64UrlDecode("Zm8=").has_value());
  ASSERT_TRUE(Base64UrlDecode("Zg==", /*allow_padding=*/true).has_value());
  EXPECT_EQ(ToString(*Base64UrlDecode("Zg==", true)), "f");
  EXPECT_EQ(ToString(*Base64UrlDecode("Zm8=", true)), "fo");
  EXPECT_EQ(ToString(*Base64UrlDecode("Zm8", true)), "fo");  // padding is optional, not required
  EXPECT_FALSE(Base64UrlDecode("Zg=", true).has_value());     // wrong amount of padding
  EXPECT_FALSE(Base64UrlDecode("Zg===", true).has_value());
  EXPECT_FALSE(Base64UrlDecode("Zm9v=", true).has_value());
  EXPECT_FALSE(Base64UrlDecode("=", true).has_value());
}

TEST(Base64Test, StandardRequiresPadding) {
  EXPECT_FALSE(Base64Decode("Zg").has_value());
  EXPECT_FALSE(Base64Decode("Zm8").has_value());
  EXPECT_FALSE(Base64Decode("Zg=").has_value());
  EXPECT_FALSE(Base64Decode("Zg===").has_value());
}

TEST(Base64Test, RefusesBadLengthAndCharacters) {
  EXPECT_FALSE(Base64UrlDecode("Z").has_value());      // 1 mod 4
  EXPECT_FALSE(Base64UrlDecode("Zm9vY").has_value());  // 1 mod 4
  EXPECT_FALSE(Base64UrlDecode("Zm 9v").has_value());
  EXPECT_FALSE(Base64UrlDecode("Zm9v\n").has_value());
  EXPECT_FALSE(Base64UrlDecode("Zm=v", true).has_value());  // padding in the middle
  EXPECT_FALSE(Base64UrlDecode(std::string_view("Zm\0v", 4)).has_value());
  EXPECT_FALSE(Base64Decode("Zm9v\n").has_value());
}

TEST(Base64Test, RefusesNonCanonicalTrailingBits) {
  // "Zg" is the only encoding of "f"; "Zh".."Zv" differ only in bits that do not decode.
  EXPECT_FALSE(Base64UrlDecode("Zh").has_value());
  EXPECT_FALSE(Base64UrlDecode("Zv").has_value());
  EXPECT_FALSE(Base64UrlDecode("Zm9").has_value());  // "fo" is Zm8
  EXPECT_FALSE(Base64Decode("Zh==").has_value());
  EXPECT_FALSE(Base64Decode("Zm9=").has_value());
}

}  // namespace
}  // namespace ca
