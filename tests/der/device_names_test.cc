// der::PermanentIdentifierValue / DecodeHardwareModuleName (RFC 4043, RFC 4108 otherName values).
#include "der/device_names.h"

#include <gtest/gtest.h>

namespace ca::der {
namespace {

// 1.2.3.4 as an OID element.
const Bytes kOid = {0x06, 0x03, 0x2a, 0x03, 0x04};

Bytes Seq(Bytes content) {
  Bytes out{0x30, static_cast<uint8_t>(content.size())};
  out.insert(out.end(), content.begin(), content.end());
  return out;
}
Bytes Cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(PermanentIdentifier, ValueAndAssigner) {
  const Bytes id = {0x0c, 0x03, 'A', 'B', 'C'};
  EXPECT_EQ(PermanentIdentifierValue(Seq(id)).value(), "ABC");
  EXPECT_EQ(PermanentIdentifierValue(Seq(Cat(id, kOid))).value(), "ABC/1.2.3.4");
  EXPECT_EQ(PermanentIdentifierValue(Seq(kOid)).value(), "/1.2.3.4");  // value absent: callers refuse it
  EXPECT_EQ(PermanentIdentifierValue(Seq({})).value(), "");
}

TEST(PermanentIdentifier, Refusals) {
  EXPECT_EQ(PermanentIdentifierValue(Cat(Seq({0x0c, 0x01, 'A'}), {0x00})).error().detail,
            "PermanentIdentifier is not one SEQUENCE");
  EXPECT_EQ(PermanentIdentifierValue(Seq({0x0c, 0x01, 0xff})).error().detail, "PermanentIdentifier value is not UTF-8");
  EXPECT_EQ(PermanentIdentifierValue(Seq({0x0c, 0x01, 'A', 0x06, 0x01, 0x80})).error().detail,
            "PermanentIdentifier has a malformed OID");
  EXPECT_EQ(PermanentIdentifierValue(Seq(Cat(Cat({0x0c, 0x01, 'A'}, kOid), kOid))).error().detail,
            "PermanentIdentifier has trailing data");
  EXPECT_EQ(PermanentIdentifierValue(Seq({0x0c, 0x01, 'A'})).value(), "A");
}

TEST(HardwareModuleName, Decodes) {
  const Bytes in = Seq(Cat(kOid, {0x04, 0x02, 0x00, 0xff}));  // serial views into it
  auto hw = DecodeHardwareModuleName(in);
  ASSERT_TRUE(hw.has_value()) << hw.error().detail;
  EXPECT_EQ(hw->hw_type, "1.2.3.4");
  EXPECT_EQ(Bytes(hw->serial.begin(), hw->serial.end()), (Bytes{0x00, 0xff}));
}

TEST(HardwareModuleName, Refusals) {
  EXPECT_EQ(DecodeHardwareModuleName(Seq({0x04, 0x01, 'A'})).error().detail, "HardwareModuleName has a malformed OID");
  EXPECT_EQ(DecodeHardwareModuleName(Seq(kOid)).error().detail, "HardwareModuleName is malformed");
  EXPECT_EQ(DecodeHardwareModuleName(Seq(Cat(kOid, {0x04, 0x00, 0x05, 0x00}))).error().detail,
            "HardwareModuleName is malformed");
  EXPECT_EQ(DecodeHardwareModuleName(Bytes{0x04, 0x00}).error().detail, "HardwareModuleName is not one SEQUENCE");
  EXPECT_EQ(DecodeHardwareModuleName(Seq(kOid)).error().code, Errc::kMalformed);
}

}  // namespace
}  // namespace ca::der
