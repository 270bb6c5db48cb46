// der::Reader and der/oid: strict DER (X.690 §10) table tests, truncation at every byte, trailing
// data, depth limit, and a walk over a minted certificate.
#include "der/reader.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "der/oid.h"
#include "support/attest_builders.h"

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

// Walk reads every element recursively (constructed ones through ReadTag) and reports whether the
// whole input is well-formed DER as far as the reader's framing rules go.
bool Walk(Reader r) {
  while (!r.Empty()) {
    auto tag = r.PeekTag();
    if (!tag) return false;
    if ((*tag & kConstructed) != 0) {
      auto child = r.ReadTag(*tag);
      if (!child || !Walk(*child)) return false;
    } else {
      Tag t;
      ByteView v;
      if (!r.ReadAny(&t, &v)) return false;
    }
  }
  return true;
}

struct FramingCase {
  const char* name;
  const char* hex;
  bool ok;
};

class Framing : public ::testing::TestWithParam<FramingCase> {};

TEST_P(Framing, ReadAny) {
  const Bytes in = H(GetParam().hex);
  Reader r(in);
  Tag t;
  ByteView v;
  const bool ok = r.ReadAny(&t, &v) && r.Empty();
  EXPECT_EQ(ok, GetParam().ok) << GetParam().hex;
  if (!GetParam().ok) {
    EXPECT_LE(r.Remaining(), in.size());
  }
}

std::string LongOctets(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += "aa";
  return s;
}

const std::string k127 = "04 7f " + LongOctets(127);
const std::string k128 = "04 81 80 " + LongOctets(128);
const std::string k128Long2 = "04 82 00 80 " + LongOctets(128);
const std::string k256 = "04 82 01 00 " + LongOctets(256);
const std::string k5Short = "04 81 05 " + LongOctets(5);

INSTANTIATE_TEST_SUITE_P(
    Der, Framing,
    ::testing::Values(FramingCase{"empty octet string", "04 00", true},
                      FramingCase{"short form", "04 01 aa", true},
                      FramingCase{"short form 127", k127.c_str(), true},
                      FramingCase{"long form 128", k128.c_str(), true},
                      FramingCase{"long form 256", k256.c_str(), true},
                      FramingCase{"long form below 128", k5Short.c_str(), false},
                      FramingCase{"leading zero length octet", k128Long2.c_str(), false},
                      FramingCase{"indefinite length", "30 80 04 00 00 00", false},
                      FramingCase{"five length octets", "04 85 00 00 00 00 01 aa", false},
                      FramingCase{"reserved length 0xff", "04 ff", false},
                      FramingCase{"length past end", "04 03 aa bb", false},
                      FramingCase{"long length past end", "04 84 7f ff ff ff aa", false},
                      FramingCase{"length octets truncated", "04 82 01", false},
                      FramingCase{"header only", "04", false},
                      FramingCase{"nothing", "", false},
                      FramingCase{"high tag number form", "1f 20 00", false},
                      FramingCase{"context high tag number form", "9f 1f 01 00", false},
                      FramingCase{"end of contents", "00 00", false},
                      FramingCase{"context tag 30", "9e 01 00", true},
                      FramingCase{"trailing byte", "04 01 aa bb", false}),
    [](const auto& tp) {
      std::string n = tp.param.name;
      for (char& c : n) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return n;
    });

TEST(Reader, AdvancesOnlyOnSuccess) {
  const Bytes in = H("01 01 07 02 01 05");
  Reader r(in);
  EXPECT_FALSE(r.ReadBoolean());  // 0x07 is not DER
  EXPECT_EQ(r.Remaining(), in.size());
  EXPECT_FALSE(r.ReadInt64());  // wrong tag
  EXPECT_EQ(r.Remaining(), in.size());
  EXPECT_TRUE(r.Skip(kBoolean));
  EXPECT_EQ(r.ReadInt64(), 5);
  EXPECT_TRUE(r.Empty());
}

TEST(Reader, Boolean) {
  for (const auto& [hex, want] : std::vector<std::pair<const char*, int>>{
           {"01 01 00", 0}, {"01 01 ff", 1}, {"01 01 01", -1}, {"01 01 80", -1}, {"01 00", -1}, {"01 02 00 00", -1},
           {"21 01 ff", -1}}) {
    const Bytes in = H(hex);
    Reader r(in);
    auto v = r.ReadBoolean();
    if (want < 0) {
      EXPECT_FALSE(v) << hex;
    } else {
      ASSERT_TRUE(v) << hex;
      EXPECT_EQ(*v, want == 1) << hex;
    }
  }
}

TEST(Reader, Null) {
  Bytes ok = H("05 00"), bad = H("05 01 00");
  Reader a(ok), b(bad);
  EXPECT_TRUE(a.ReadNull());
  EXPECT_FALSE(b.ReadNull());
}

struct IntCase {
  const char* hex;
  std::optional<int64_t> i64;
  std::optional<uint64_t> u64;
};

TEST(Reader, Integers) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const std::vector<IntCase> cases = {
      {"02 01 00", 0, 0},
      {"02 01 7f", 127, 127},
      {"02 02 00 80", 128, 128},
      {"02 01 80", -128, std::nullopt},
      {"02 02 ff 7f", -129, std::nullopt},
      {"02 01 ff", -1, std::nullopt},
      {"02 08 7f ff ff ff ff ff ff ff", kMax, static_cast<uint64_t>(kMax)},
      {"02 08 80 00 00 00 00 00 00 00", kMin, std::nullopt},
      {"02 09 00 80 00 00 00 00 00 00 00", std::nullopt, uint64_t{1} << 63},
      {"02 09 00 ff ff ff ff ff ff ff ff", std::nullopt, std::numeric_limits<uint64_t>::max()},
      {"02 09 01 00 00 00 00 00 00 00 00", std::nullopt, std::nullopt},  // too big for both
      {"02 00", std::nullopt, std::nullopt},                             // empty
      {"02 02 00 7f", std::nullopt, std::nullopt},                       // non-minimal
      {"02 02 ff 80", std::nullopt, std::nullopt},                       // non-minimal
      {"02 02 00 00", std::nullopt, std::nullopt},                       // non-minimal zero
      {"0a 01 01", std::nullopt, std::nullopt},                          // ENUMERATED is another tag
  };
  for (const auto& c : cases) {
    const Bytes in = H(c.hex);
    Reader a(in), b(in);
    EXPECT_EQ(a.ReadInt64(), c.i64) << c.hex;
    EXPECT_EQ(b.ReadUint64(), c.u64) << c.hex;
  }
  const Bytes e = H("0a 01 03");
  Reader r(e);
  EXPECT_EQ(r.ReadInt64(kEnumerated), 3);
}

TEST(Reader, IntegerBytes) {
  const Bytes in = H("02 09 00 ff ee dd cc bb aa 99 88 02 01 00 02 02 ff 00");
  Reader r(in);
  auto a = r.ReadUnsignedIntegerBytes();
  ASSERT_TRUE(a);
  EXPECT_EQ(Bytes(a->begin(), a->end()), H("ff ee dd cc bb aa 99 88"));
  auto zero = r.ReadUnsignedIntegerBytes();
  ASSERT_TRUE(zero);
  EXPECT_EQ(Bytes(zero->begin(), zero->end()), H("00"));
  EXPECT_FALSE(r.ReadUnsignedIntegerBytes());  // negative
  auto neg = r.ReadIntegerBytes();
  ASSERT_TRUE(neg);
  EXPECT_EQ(Bytes(neg->begin(), neg->end()), H("ff 00"));
  EXPECT_TRUE(r.Empty());
}

TEST(Reader, OctetAndBitStrings) {
  const Bytes in = H("04 02 01 02 24 04 04 02 01 02");
  Reader r(in);
  auto os = r.ReadOctetString();
  ASSERT_TRUE(os);
  EXPECT_EQ(os->size(), 2u);
  EXPECT_FALSE(r.ReadOctetString());  // constructed form is BER only
  for (const auto& [hex, ok] : std::vector<std::pair<const char*, bool>>{{"03 01 00", true},
                                                                        {"03 02 00 ff", true},
                                                                        {"03 02 01 02", true},
                                                                        {"03 02 01 01", false},
                                                                        {"03 02 08 00", false},
                                                                        {"03 01 01", false},
                                                                        {"03 00", false}}) {
    const Bytes b = H(hex);
    Reader br(b);
    EXPECT_EQ(br.ReadBitString().has_value(), ok) << hex;
  }
}

TEST(Reader, Strings) {
  struct S {
    const char* hex;
    int which;  // 0 utf8, 1 printable, 2 ia5
    bool ok;
  };
  for (const auto& c : std::vector<S>{
           {"0c 05 68 c3 a9 6c 6f", 0, true},   // "hélo"
           {"0c 04 f0 9f 98 80", 0, true},      // U+1F600
           {"0c 02 c0 80", 0, false},           // overlong NUL
           {"0c 03 ed a0 80", 0, false},        // surrogate
           {"0c 04 f4 90 80 80", 0, false},     // above U+10FFFF
           {"0c 02 e2 82", 0, false},           // truncated sequence
           {"0c 01 80", 0, false},              // stray continuation
           {"13 06 41 20 27 3d 3f 2f", 1, true},
           {"13 01 2a", 1, false},              // '*'
           {"13 01 40", 1, false},              // '@'
           {"16 03 61 40 00", 2, true},
           {"16 01 80", 2, false},
           {"0c 01 41", 1, false},              // wrong tag
       }) {
    const Bytes in = H(c.hex);
    Reader r(in);
    bool ok = c.which == 0 ? r.ReadUtf8String().has_value()
              : c.which == 1 ? r.ReadPrintableString().has_value()
                             : r.ReadIa5String().has_value();
    EXPECT_EQ(ok, c.ok) << c.hex;
    EXPECT_EQ(r.Empty(), c.ok) << c.hex;
  }
}

TEST(Reader, ConstructedAndOptional) {
  // SEQUENCE { [0] EXPLICIT INTEGER 2, INTEGER 5 }, then trailing OCTET STRING.
  const Bytes in = H("30 08 a0 03 02 01 02 02 01 05 04 00");
  Reader r(in);
  auto seq = r.ReadTag(kSequence);
  ASSERT_TRUE(seq);
  EXPECT_EQ(seq->depth(), 1);
  std::optional<Reader> version;
  ASSERT_TRUE(seq->ReadOptionalTag(ContextTag(0, true), &version));
  ASSERT_TRUE(version);
  EXPECT_EQ(version->ReadInt64(), 2);
  EXPECT_TRUE(version->Empty());
  std::optional<Reader> absent;
  ASSERT_TRUE(seq->ReadOptionalTag(ContextTag(1, true), &absent));
  EXPECT_FALSE(absent);
  EXPECT_EQ(seq->ReadInt64(), 5);
  EXPECT_TRUE(seq->Empty());
  EXPECT_FALSE(r.Empty());  // trailing data is the caller's to refuse
  EXPECT_TRUE(r.ReadOctetString());
  EXPECT_TRUE(r.Empty());

  const Bytes bad = H("a0 05 02 01 02");  // present but truncated
  Reader rb(bad);
  std::optional<Reader> out;
  EXPECT_FALSE(rb.ReadOptionalTag(ContextTag(0, true), &out));
  EXPECT_EQ(rb.Remaining(), bad.size());
}

TEST(Reader, RawElementAndSkip) {
  const Bytes in = H("30 03 02 01 01 05 00");
  Reader r(in);
  auto raw = r.ReadRawElement(kSequence);
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->size(), 5u);
  EXPECT_TRUE(r.SkipOptional(kBoolean));  // absent: no-op
  EXPECT_TRUE(r.SkipOptional(kNull));
  EXPECT_TRUE(r.Empty());
}

Bytes Nested(int levels) {
  Bytes b = H("05 00");
  for (int i = 0; i < levels; ++i) {
    Bytes outer = {kSequence, static_cast<uint8_t>(b.size())};
    outer.insert(outer.end(), b.begin(), b.end());
    b = std::move(outer);
  }
  return b;
}

TEST(Reader, DepthLimit) {
  const Bytes ok = Nested(Reader::kMaxDepth);
  const Bytes deep = Nested(Reader::kMaxDepth + 1);
  ASSERT_LT(deep.size(), 128u);  // short-form lengths throughout
  EXPECT_TRUE(Walk(Reader(ok)));
  EXPECT_FALSE(Walk(Reader(deep)));
}

TEST(Reader, TruncationAtEveryByteOfACertificate) {
  testing::CertSpec spec;
  spec.extensions.push_back({"1.2.840.113635.100.8.9.1", ToBytes("SERIAL1"), false});
  const auto cert = testing::MakeCert(spec, nullptr);
  ASSERT_TRUE(Walk(Reader(cert.der)));
  for (size_t n = 0; n < cert.der.size(); ++n) {
    Reader r(ByteView(cert.der).first(n));
    EXPECT_FALSE(r.ReadTag(kSequence)) << "prefix " << n;
    EXPECT_EQ(r.Remaining(), n);
    if (n > 0) {
      EXPECT_FALSE(Walk(Reader(ByteView(cert.der).first(n)))) << "prefix " << n;
    }
  }
  Bytes trailing = cert.der;
  trailing.push_back(0x00);
  Reader r(trailing);
  ASSERT_TRUE(r.ReadTag(kSequence));
  EXPECT_FALSE(r.Empty());
}

TEST(Reader, WalksTbsToExtensions) {
  testing::CertSpec spec;
  spec.extensions.push_back({"1.2.840.113635.100.8.9.1", ToBytes("SERIAL1"), false});
  const auto cert = testing::MakeCert(spec, nullptr);
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } (RFC 5280 §4.1)
  Reader top(cert.der);
  auto c = top.ReadTag(kSequence);
  ASSERT_TRUE(c && top.Empty());
  auto tbs = c->ReadTag(kSequence);
  ASSERT_TRUE(tbs);
  std::optional<Reader> version;
  ASSERT_TRUE(tbs->ReadOptionalTag(ContextTag(0, true), &version) && version);
  EXPECT_EQ(version->ReadInt64(), 2);
  ASSERT_TRUE(tbs->ReadUnsignedIntegerBytes());  // serialNumber
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(tbs->Skip(kSequence));  // sig, issuer, validity, subject, spki
  std::optional<Reader> exts_outer;
  ASSERT_TRUE(tbs->ReadOptionalTag(ContextTag(3, true), &exts_outer) && exts_outer);
  auto exts = exts_outer->ReadTag(kSequence);
  ASSERT_TRUE(exts);
  bool found = false;
  while (!exts->Empty()) {
    auto ext = exts->ReadTag(kSequence);
    ASSERT_TRUE(ext);
    auto oid = ext->ReadOid();
    ASSERT_TRUE(oid);
    if (ext->Peek(kBoolean)) {
      ASSERT_TRUE(ext->ReadBoolean());
    }
    auto value = ext->ReadOctetString();
    ASSERT_TRUE(value && ext->Empty());
    if (OidEquals(*oid, "1.2.840.113635.100.8.9.1")) {
      found = true;
      EXPECT_EQ(ToString(*value), "SERIAL1");
    }
  }
  EXPECT_TRUE(found);
  EXPECT_TRUE(tbs->Empty());
}

TEST(Oid, TextRoundTrip) {
  for (const auto& [text, hex] : std::vector<std::pair<const char*, const char*>>{
           {"1.2.840.113549", "2a 86 48 86 f7 0d"},
           {"1.2.840.113635.100.8.9.1", "2a 86 48 86 f7 63 64 08 09 01"},
           {"1.2.840.113635.100.8.11.1", "2a 86 48 86 f7 63 64 08 0b 01"},
           {"2.5.29.19", "55 1d 13"},
           {"0.0", "00"},
           {"1.39", "4f"},
           {"2.999.3", "88 37 03"},
           {"2.18446744073709551535", "81 ff ff ff ff ff ff ff ff 7f"},
           {"1.3.18446744073709551615", "2b 81 ff ff ff ff ff ff ff ff 7f"},
       }) {
    auto enc = OidFromText(text);
    ASSERT_TRUE(enc) << text;
    EXPECT_EQ(*enc, H(hex)) << text;
    EXPECT_EQ(OidToText(H(hex)), std::string(text)) << hex;
    EXPECT_TRUE(OidEquals(H(hex), text));
  }
}

TEST(Oid, RefusesBadText) {
  for (const char* t : {"", "1", "3.1", "1.40", "0.40", "1..2", "01.2", "1.02", "1.2.", ".1.2", "1.2.a",
                        "1.2.18446744073709551616", "2.18446744073709551536", "1.2 "}) {
    EXPECT_FALSE(OidFromText(t)) << t;
  }
}

TEST(Oid, RefusesBadContents) {
  for (const char* hex : {"", "80 01", "2a 86", "2a 80 01", "ff ff ff ff ff ff ff ff ff ff 7f"}) {
    EXPECT_FALSE(IsValidOid(H(hex))) << hex;
    EXPECT_FALSE(OidToText(H(hex))) << hex;
    const Bytes el = [&] {
      Bytes b = H(hex);
      b.insert(b.begin(), {kOid, static_cast<uint8_t>(b.size())});
      return b;
    }();
    Reader r(el);
    EXPECT_FALSE(r.ReadOid()) << hex;
  }
}

}  // namespace
}  // namespace ca::der
