// der::Reader::ReadAnyNumbered: the high-tag-number form (X.690 §8.1.2.4) that Android's
// AuthorizationList uses ([704] rootOfTrust = bf 85 40), held to DER's minimal encoding.
#include <gtest/gtest.h>

#include <string>

#include "der/reader.h"

namespace ca::der {
namespace {

Bytes H(std::string_view hex) {
  Bytes out;
  auto nib = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  std::string digits;
  for (char c : hex) {
    if (c != ' ') digits.push_back(c);
  }
  for (size_t i = 0; i + 1 < digits.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(nib(digits[i]) << 4 | nib(digits[i + 1])));
  }
  return out;
}

TEST(ReadAnyNumbered, HighTagNumbers) {
  // [704] { INTEGER 5 } then [713] { OCTET STRING "ab" } then [1] { INTEGER 2 }
  const Bytes b = H("bf 85 40 03 02 01 05  bf 85 49 04 04 02 61 62  a1 03 02 01 02");
  Reader r(b);
  NumberedTag tag;
  Reader inner;
  ASSERT_TRUE(r.ReadAnyNumbered(&tag, &inner));
  EXPECT_EQ(tag.class_bits, kContextSpecific);
  EXPECT_TRUE(tag.constructed);
  EXPECT_EQ(tag.number, 704u);
  EXPECT_EQ(inner.ReadInt64(), 5);
  EXPECT_TRUE(inner.Empty());
  EXPECT_EQ(inner.depth(), 1);
  ASSERT_TRUE(r.ReadAnyNumbered(&tag, &inner));
  EXPECT_EQ(tag.number, 713u);
  ASSERT_TRUE(r.ReadAnyNumbered(&tag, &inner));
  EXPECT_EQ(tag.number, 1u);  // the low form is read too
  EXPECT_TRUE(r.Empty());
}

TEST(ReadAnyNumbered, RefusesNonMinimalAndOversized) {
  struct Case {
    const char* why;
    const char* hex;
  };
  const Case bad[] = {
      {"leading 0x80 octet in the tag number", "bf 80 85 40 00"},
      {"number below 31 in the high form", "bf 1e 00"},
      {"tag number longer than 3 octets", "bf 81 80 80 01 00"},
      {"tag number runs off the end", "bf 85"},
      {"no length after the tag number", "bf 85 40"},
      {"length past the end", "bf 85 40 05 02 01"},
      {"indefinite length", "bf 85 40 80 00 00"},
      {"end-of-contents octet", "00 00"},
  };
  for (const auto& c : bad) {
    const Bytes b = H(c.hex);
    Reader r(b);
    NumberedTag tag;
    Reader inner;
    EXPECT_FALSE(r.ReadAnyNumbered(&tag, &inner)) << c.why;
    EXPECT_EQ(r.Remaining(), b.size()) << c.why << ": a failed read must not move the cursor";
  }
  // 31 is the smallest number of the high form; 3 octets reach 2^21 - 1.
  for (const auto& [hex, number] : {std::pair{"9f 1f 00", 31u}, std::pair{"9f ff ff 7f 00", 2097151u}}) {
    const Bytes b = H(hex);
    Reader r(b);
    NumberedTag tag;
    Reader inner;
    ASSERT_TRUE(r.ReadAnyNumbered(&tag, &inner)) << hex;
    EXPECT_EQ(tag.number, number);
    EXPECT_FALSE(tag.constructed);
  }
}

TEST(ReadAnyNumbered, OtherReadersStillRefuseTheHighForm) {
  const Bytes b = H("bf 85 40 03 02 01 05");
  Reader r(b);
  Tag t;
  ByteView v;
  EXPECT_FALSE(r.ReadAny(&t, &v));
  EXPECT_FALSE(r.PeekTag() == std::nullopt);
}

TEST(ReadAnyNumbered, DepthLimit) {
  Bytes b;  // kMaxDepth + 5 nested [704] wrappers around nothing
  for (int i = 0; i < Reader::kMaxDepth + 5; ++i) {
    Bytes outer = {0xbf, 0x85, 0x40};
    if (b.size() >= 0x80) outer.push_back(0x81);
    outer.push_back(static_cast<uint8_t>(b.size()));
    outer.insert(outer.end(), b.begin(), b.end());
    b = outer;
  }
  Reader r(b);
  int levels = 0;
  NumberedTag tag;
  Reader inner;
  while (r.ReadAnyNumbered(&tag, &inner)) {
    ++levels;
    r = inner;
  }
  EXPECT_EQ(levels, Reader::kMaxDepth);
}

}  // namespace
}  // namespace ca::der
