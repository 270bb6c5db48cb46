#include "cbor/reader.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace ca::cbor {
namespace {

Bytes H(std::string_view hex) {
  Bytes out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

void ExpectRefused(const Bytes& in, std::string_view detail_part, const Limits& limits = {}) {
  auto v = Parse(in, limits);
  ASSERT_FALSE(v.has_value()) << Hex(in);
  EXPECT_EQ(v.error().code, Errc::kMalformed);
  EXPECT_NE(v.error().detail.find(detail_part), std::string::npos)
      << Hex(in) << ": " << v.error().detail;
}

// RFC 8949 Appendix A, integers.
TEST(CborReaderTest, AppendixAIntegers) {
  struct Case {
    const char* hex;
    int64_t value;
  };
  const Case cases[] = {
      {"00", 0},
      {"01", 1},
      {"0a", 10},
      {"17", 23},
      {"1818", 24},
      {"1819", 25},
      {"1864", 100},
      {"1903e8", 1000},
      {"1a000f4240", 1000000},
      {"1b000000e8d4a51000", 1000000000000},
      {"20", -1},
      {"29", -10},
      {"3863", -100},
      {"3903e7", -1000},
      {"1b7fffffffffffffff", std::numeric_limits<int64_t>::max()},
      {"3b7fffffffffffffff", std::numeric_limits<int64_t>::min()},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.hex);
    const Bytes in = H(c.hex);
    auto v = Parse(in);
    ASSERT_TRUE(v.has_value()) << v.error().detail;
    auto i = v->AsInt();
    ASSERT_TRUE(i.has_value());
    EXPECT_EQ(*i, c.value);
    EXPECT_EQ(v->type(), c.value < 0 ? Type::kNegative : Type::kUnsigned);
    EXPECT_EQ(v->encoded().size(), in.size());
  }
}

TEST(CborReaderTest, AppendixALargeIntegers) {
  // 18446744073709551615: a valid unsigned, readable as uint64 but not as int64.
  const Bytes max = H("1bffffffffffffffff");
  auto v = Parse(max);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(*v->AsUint(), std::numeric_limits<uint64_t>::max());
  EXPECT_FALSE(v->AsInt().has_value());
  // -18446744073709551616 does not fit int64: refused while parsing.
  ExpectRefused(H("3bffffffffffffffff"), "negative integer below the int64 range at offset 0");
  ExpectRefused(H("3b8000000000000000"), "negative integer below the int64 range");
  // Bignums (tags 2 and 3) are tags.
  ExpectRefused(H("c249010000000000000000"), "tags not supported at offset 0");
  ExpectRefused(H("c349010000000000000000"), "tags not supported");
}

TEST(CborReaderTest, AppendixASimpleValues) {
  EXPECT_EQ(*Parse(H("f4"))->AsBool(), false);
  EXPECT_EQ(*Parse(H("f5"))->AsBool(), true);
  EXPECT_TRUE(Parse(H("f6"))->IsNull());
  ExpectRefused(H("f7"), "unsupported simple value");  // undefined
  ExpectRefused(H("f0"), "unsupported simple value");  // simple(16)
  ExpectRefused(H("f8ff"), "unsupported simple value");
  ExpectRefused(H("f820"), "unsupported simple value");
}

TEST(CborReaderTest, AppendixAFloatsRefused) {
  for (const char* hex : {"f90000", "f98000", "f93c00", "fa47c35000", "fb3ff199999999999a",
                          "f97c00", "f97e00", "fa7f800000", "fbfff0000000000000"}) {
    ExpectRefused(H(hex), "floating-point numbers not supported at offset 0");
  }
}

TEST(CborReaderTest, AppendixATagsRefused) {
  for (const char* hex :
       {"c074323031332d30332d32315432303a30343a30305a", "c11a514b67b0", "d74401020304",
        "d818456449455446", "d82076687474703a2f2f7777772e6578616d706c652e636f6d"}) {
    ExpectRefused(H(hex), "tags not supported");
  }
}

TEST(CborReaderTest, AppendixAStrings) {
  EXPECT_TRUE(Parse(H("40"))->AsBytes()->empty());
  EXPECT_EQ(Hex(*Parse(H("4401020304"))->AsBytes()), "01020304");
  EXPECT_EQ(*Parse(H("60"))->AsText(), "");
  EXPECT_EQ(*Parse(H("6161"))->AsText(), "a");
  EXPECT_EQ(*Parse(H("6449455446"))->AsText(), "IETF");
  EXPECT_EQ(*Parse(H("62225c"))->AsText(), "\"\\");
  EXPECT_EQ(*Parse(H("62c3bc"))->AsText(), "\xc3\xbc");
  EXPECT_EQ(*Parse(H("63e6b0b4"))->AsText(), "\xe6\xb0\xb4");
  EXPECT_EQ(*Parse(H("64f0908591"))->AsText(), "\xf0\x90\x85\x91");
}

TEST(CborReaderTest, AppendixAArraysAndMaps) {
  EXPECT_EQ(Parse(H("80"))->AsArray()->size(), 0u);
  {
    const Bytes in = H("83010203");
    auto items = Parse(in)->AsArray()->Items();
    ASSERT_EQ(items.size(), 3u);
    EXPECT_EQ(*items[2].AsInt(), 3);
    EXPECT_EQ(items[2].offset(), 3u);
  }
  {
    const Bytes in = H("8301820203820405");
    auto items = Parse(in)->AsArray()->Items();
    ASSERT_EQ(items.size(), 3u);
    auto inner = items[2].AsArray()->Items();
    EXPECT_EQ(*inner[1].AsInt(), 5);
    EXPECT_EQ(inner[1].offset(), 7u);
  }
  {
    const Bytes in = H("98190102030405060708090a0b0c0d0e0f101112131415161718181819");
    auto items = Parse(in)->AsArray()->Items();
    ASSERT_EQ(items.size(), 25u);
    for (size_t i = 0; i < 25; ++i) EXPECT_EQ(*items[i].AsInt(), static_cast<int64_t>(i + 1));
  }
  EXPECT_EQ(Parse(H("a0"))->AsMap()->size(), 0u);
  {
    const Bytes in = H("a201020304");
    auto m = Parse(in)->AsMap();
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(*m->Find(int64_t{1})->AsInt(), 2);
    EXPECT_EQ(*m->Find(int64_t{3})->AsInt(), 4);
    EXPECT_FALSE(m->Find(int64_t{2}).has_value());
    EXPECT_FALSE(m->Find("1").has_value());
  }
  {
    const Bytes in = H("a26161016162820203");
    auto m = Parse(in)->AsMap();
    EXPECT_EQ(*m->Find("a")->AsInt(), 1);
    EXPECT_EQ(m->Find("b")->AsArray()->size(), 2u);
    auto entries = m->Entries();
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(*entries[1].first.AsText(), "b");
  }
  {
    const Bytes in = H("826161a161626163");
    auto items = Parse(in)->AsArray()->Items();
    EXPECT_EQ(*items[1].AsMap()->Find("b")->AsText(), "c");
  }
  {
    const Bytes in = H("a56161614161626142616361436164614461656145");
    auto m = Parse(in)->AsMap();
    EXPECT_EQ(m->size(), 5u);
    EXPECT_EQ(*m->Find("e")->AsText(), "E");
  }
}

TEST(CborReaderTest, NegativeMapKeys) {
  const Bytes in = H("a2200138ff02");  // {-1: 1, -256: 2}
  auto m = Parse(in)->AsMap();
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(*m->Find(int64_t{-1})->AsInt(), 1);
  EXPECT_EQ(*m->Find(int64_t{-256})->AsInt(), 2);
  EXPECT_FALSE(m->Find(std::numeric_limits<int64_t>::min()).has_value());
}

TEST(CborReaderTest, IndefiniteLengthsRefused) {
  ExpectRefused(H("5f42010243030405ff"), "indefinite length not allowed at offset 0");
  ExpectRefused(H("7f657374726561646d696e67ff"), "indefinite length not allowed");
  ExpectRefused(H("9fff"), "indefinite length not allowed");
  ExpectRefused(H("9f018202039f0405ffff"), "indefinite length not allowed");
  ExpectRefused(H("83018202039f0405ff"), "indefinite length not allowed at offset 5");
  ExpectRefused(H("bf61610161629f0203ffff"), "indefinite length not allowed");
  ExpectRefused(H("a16161bf6162ff"), "indefinite length not allowed at offset 3");
  ExpectRefused(H("ff"), "unexpected break stop code");
  ExpectRefused(H("8201ff"), "unexpected break stop code at offset 2");
  ExpectRefused(H("1f"), "reserved additional information value 31");
  ExpectRefused(H("3f"), "reserved additional information value 31");
}

TEST(CborReaderTest, ReservedAdditionalInformationRefused) {
  for (const char* hex : {"1c", "1d", "1e", "3c", "5c", "7c", "9c", "bc", "fc", "fd", "fe"}) {
    ExpectRefused(H(hex), "reserved additional information value at offset 0");
  }
}

TEST(CborReaderTest, NonMinimalEncodingsRefused) {
  for (const char* hex : {"1800", "1817", "190000", "1900ff", "1a00000000", "1a0000ffff",
                          "1b0000000000000000", "1b00000000ffffffff", "3817", "3900ff", "5800",
                          "5801ff", "780161", "9800", "980101", "b800", "b8010101", "190017"}) {
    ExpectRefused(H(hex), "non-minimal (non-preferred) argument encoding at offset 0");
  }
  ExpectRefused(H("821801"), "non-minimal (non-preferred) argument encoding at offset 1");
}

TEST(CborReaderTest, TruncationAtEveryByteRefused) {
  const Bytes valid =
      H("a46161a2616101616282f5f66162834401020304"
        "6449455446a0616398190102030405060708090a0b0c0d0e0f101112131415161718181819"
        "61643b7fffffffffffffff");
  ASSERT_TRUE(Parse(valid).has_value()) << Parse(valid).error().detail;
  for (size_t n = 0; n < valid.size(); ++n) {
    const Bytes prefix(valid.begin(), valid.begin() + static_cast<std::ptrdiff_t>(n));
    auto v = Parse(prefix);
    ASSERT_FALSE(v.has_value()) << "prefix of " << n << " bytes accepted";
    EXPECT_EQ(v.error().code, Errc::kMalformed);
  }
}

TEST(CborReaderTest, TrailingBytesRefused) {
  ExpectRefused(H("0000"), "trailing bytes after the top-level item at offset 1");
  ExpectRefused(H("a0ff"), "trailing bytes after the top-level item at offset 1");
  ExpectRefused(H("83010203f6"), "trailing bytes");
  ExpectRefused(H(""), "unexpected end of input at offset 0");
}

TEST(CborReaderTest, ReaderAdvancesOnlyOnSuccess) {
  const Bytes in = H("0161611c");
  Reader r(in);
  auto a = r.ReadItem();
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(*a->AsInt(), 1);
  EXPECT_EQ(r.offset(), 1u);
  auto b = r.ReadItem();
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(*b->AsText(), "a");
  EXPECT_EQ(b->offset(), 1u);
  EXPECT_EQ(r.offset(), 3u);
  auto c = r.ReadItem();
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().detail, "CBOR: reserved additional information value at offset 3");
  EXPECT_EQ(r.offset(), 3u);
  EXPECT_FALSE(r.Empty());

  // A container that fails deep inside leaves the cursor where it was.
  const Bytes bad = H("0082018201ff");
  Reader r2(bad);
  ASSERT_TRUE(r2.ReadItem().has_value());
  ASSERT_FALSE(r2.ReadItem().has_value());
  EXPECT_EQ(r2.offset(), 1u);
}

TEST(CborReaderTest, DuplicateKeysRefused) {
  ExpectRefused(H("a2616101616102"), "duplicate map key at offset 4");
  ExpectRefused(H("a201010102"), "duplicate map key at offset 3");
  ExpectRefused(H("a32001000220f6"), "duplicate map key at offset 5");
  // Nested, inside an array inside a map.
  ExpectRefused(H("a1616181a2616201616203"), "duplicate map key at offset 8");
  // Same value under a different type is not a duplicate: {1: 1, "1": 2, -1: 3}.
  EXPECT_TRUE(Parse(H("a301016131022003")).has_value());
  // Keys that share a prefix are not duplicates.
  EXPECT_TRUE(Parse(H("a2616101626161f5")).has_value());
}

TEST(CborReaderTest, KeyTypesRestricted) {
  ExpectRefused(H("a1416101"), "map key must be an integer or text string at offset 1");
  ExpectRefused(H("a18001"), "map key must be an integer or text string");
  ExpectRefused(H("a1a001"), "map key must be an integer or text string");
  ExpectRefused(H("a1f501"), "map key must be an integer or text string");
  ExpectRefused(H("a1f601"), "map key must be an integer or text string");
}

TEST(CborReaderTest, DepthLimit) {
  const auto nested = [](size_t depth) {
    Bytes b(depth - 1, 0x81);
    b.push_back(0x80);
    return b;
  };
  EXPECT_TRUE(Parse(nested(16)).has_value());
  ExpectRefused(nested(17), "nesting deeper than 16 at offset 16");
  // A depth bomb far beyond the limit is refused without deep recursion.
  ExpectRefused(Bytes(60000, 0x81), "nesting deeper than 16");
  ExpectRefused(Bytes(60000, 0xa1), "map key must be an integer or text string at offset 1");
  Bytes maps;
  for (int i = 0; i < 20; ++i) {
    maps.push_back(0xa1);
    maps.push_back(0x00);
  }
  maps.push_back(0x00);
  ExpectRefused(maps, "nesting deeper than 16 at offset 32");
  Limits shallow;
  shallow.max_depth = 2;
  EXPECT_TRUE(Parse(H("8180"), shallow).has_value());
  ExpectRefused(H("818180"), "nesting deeper than 2 at offset 2", shallow);
}

TEST(CborReaderTest, HugeClaimedLengthsRefused) {
  ExpectRefused(H("5bffffffffffffffff"),
                "string length 18446744073709551615 exceeds the "
                "remaining 0 bytes at offset 0");
  ExpectRefused(H("7bffffffffffffffff00"), "exceeds the remaining 1 bytes");
  ExpectRefused(H("5a0001000000"), "string length 65536 exceeds the remaining 1 bytes");
  ExpectRefused(H("4201"), "string length 2 exceeds the remaining 1 bytes");
  ExpectRefused(H("9bffffffffffffffff"), "array of 18446744073709551615 items exceeds the limit");
  ExpectRefused(H("bbffffffffffffffff"), "map of 18446744073709551615 items exceeds the limit");
  ExpectRefused(H("9903e8"), "array count 1000 exceeds the remaining input at offset 0");
  ExpectRefused(H("b9020000"), "map count 512 exceeds the remaining input");
  ExpectRefused(H("1b"), "truncated head at offset 0");
  ExpectRefused(H("8119"), "truncated head at offset 1");
}

TEST(CborReaderTest, ItemAndSizeLimits) {
  Bytes ok = H("990400");
  ok.resize(ok.size() + 1024, 0x00);
  EXPECT_TRUE(Parse(ok).has_value());
  Bytes too_many = H("990401");
  too_many.resize(too_many.size() + 1025, 0x00);
  ExpectRefused(too_many, "array of 1025 items exceeds the limit of 1024 at offset 0");

  Limits small;
  small.max_items = 2;
  EXPECT_TRUE(Parse(H("a201020304"), small).has_value());
  ExpectRefused(H("a3010203040506"), "map of 3 items exceeds the limit of 2", small);

  Bytes big = H("5a00010000");
  big.resize(big.size() + 65536, 0x00);
  ExpectRefused(big, "CBOR: input of 65541 bytes exceeds the limit of 65536");
  Limits larger;
  larger.max_input = 70000;
  EXPECT_TRUE(Parse(big, larger).has_value());
}

TEST(CborReaderTest, InvalidUtf8Refused) {
  for (const char* hex :
       {"61ff", "6180", "61c3", "62c080", "62c1bf", "63e08080", "63e09fbf", "63eda080", "63edbfbf",
        "64f0808080", "64f08fbfbf", "64f4908080", "64f5808080", "62e282", "63e228a1", "6261fe"}) {
    ExpectRefused(H(hex), "invalid UTF-8 in text string at offset");
  }
  ExpectRefused(H("a16161636162e2"), "invalid UTF-8 in text string at offset 6");
  ExpectRefused(H("6461e28228"), "invalid UTF-8 in text string at offset 4");
  // Boundaries that are valid: U+007F, U+0080, U+07FF, U+0800, U+D7FF, U+E000, U+FFFF,
  // U+10000, U+10FFFF.
  for (const char* hex : {"617f", "62c280", "62dfbf", "63e0a080", "63ed9fbf", "63ee8080",
                          "63efbfbf", "64f0908080", "64f48fbfbf"}) {
    EXPECT_TRUE(Parse(H(hex)).has_value()) << hex;
  }
}

TEST(CborReaderTest, TypeMismatchErrors) {
  const Bytes in = H("82016161");
  auto items = Parse(in)->AsArray()->Items();
  auto t = items[0].AsText();
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code, Errc::kMalformed);
  EXPECT_EQ(t.error().detail, "CBOR: expected text string, got unsigned integer at offset 1");
  EXPECT_EQ(items[1].AsBytes().error().detail,
            "CBOR: expected byte string, got text string at offset 2");
  EXPECT_FALSE(items[1].AsInt().has_value());
  EXPECT_FALSE(items[1].AsMap().has_value());
  EXPECT_FALSE(items[0].AsArray().has_value());
  EXPECT_FALSE(items[0].AsBool().has_value());
  EXPECT_FALSE(Parse(H("20"))->AsUint().has_value());
  EXPECT_EQ(TypeName(Type::kNull), "null");
}

TEST(CborReaderTest, EncodedSpansNested) {
  const Bytes in = H("a2616182f6f46162a1616344deadbeef");
  auto m = Parse(in)->AsMap();
  auto b = m->Find("b");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(Hex(b->encoded()), "a1616344deadbeef");
  EXPECT_EQ(b->offset(), 8u);
  auto c = b->AsMap()->Find("c");
  EXPECT_EQ(Hex(*c->AsBytes()), "deadbeef");
  EXPECT_EQ(c->offset(), 11u);
}

}  // namespace
}  // namespace ca::cbor
