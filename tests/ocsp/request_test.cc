// ParseSimpleRequest, the cache-hit path's reader: it reads the one-CertID shape exactly as
// ParseRequest does, and declines everything else (ParseRequest then decides).
#include "ocsp/request.h"

#include <gtest/gtest.h>

#include "ocsp_test_util.h"

namespace ca::ocsp {
namespace {

using namespace ::ca::ocsp::test;  // NOLINT

class SimpleRequestTest : public ::testing::Test {
 protected:
  TestCa ca_ = TestCa::Make();
};

void ExpectSameAsFullParser(const Bytes& der) {
  auto simple = ParseSimpleRequest(der);
  ASSERT_TRUE(simple.has_value());
  auto full = ParseRequest(der);
  ASSERT_TRUE(full) << full.error().detail;
  ASSERT_EQ(full->cert_ids.size(), 1u);
  const CertIdRef& id = full->cert_ids.front();
  EXPECT_EQ(simple->hash, id.hash);
  EXPECT_EQ(Bytes(simple->issuer_name_hash.begin(), simple->issuer_name_hash.end()), id.issuer_name_hash);
  EXPECT_EQ(Bytes(simple->issuer_key_hash.begin(), simple->issuer_key_hash.end()), id.issuer_key_hash);
  EXPECT_EQ(simple->serial_hex, id.serial_hex);
}

TEST_F(SimpleRequestTest, ReadsOneCertIdLikeTheFullParser) {
  // A serial with its top bit set (DER adds a zero octet), one without, and a one-octet serial.
  for (const char* serial : {"8a0c1f22d3e4f5061728394a5b6c7d8e", "1c0ffee0123456789abcdef0", "7f"}) {
    SCOPED_TRACE(serial);
    ExpectSameAsFullParser(RequestDer({CertIdFor(ca_.inter.get(), serial, EVP_sha1())}));
    ExpectSameAsFullParser(RequestDer({CertIdFor(ca_.inter.get(), serial, EVP_sha256())}));
  }
}

TEST_F(SimpleRequestTest, DeclinesEverythingButTheSimpleShape) {
  // A nonce, two CertIDs, another hash: the full parser handles them (or refuses them).
  EXPECT_FALSE(ParseSimpleRequest(RequestDer({CertIdFor(ca_.inter.get(), "0abc")}, 16)));
  EXPECT_FALSE(ParseSimpleRequest(
      RequestDer({CertIdFor(ca_.inter.get(), "0abc"), CertIdFor(ca_.inter.get(), "0abd")})));
  EXPECT_FALSE(ParseSimpleRequest(RequestDer({CertIdFor(ca_.inter.get(), "0abc", EVP_sha384())})));
  // Garbage, empty, trailing bytes, truncated.
  Bytes good = RequestDer({CertIdFor(ca_.inter.get(), "0abc")});
  ASSERT_TRUE(ParseSimpleRequest(good));
  EXPECT_FALSE(ParseSimpleRequest(Bytes{}));
  EXPECT_FALSE(ParseSimpleRequest(Bytes{0x30, 0x03, 0x0a, 0x01, 0x00}));
  Bytes trailing = good;
  trailing.push_back(0x00);
  EXPECT_FALSE(ParseSimpleRequest(trailing));
  EXPECT_FALSE(ParseSimpleRequest(ByteView(good).first(good.size() - 1)));
}

TEST_F(SimpleRequestTest, DeclinesSerialsTheFullParserAnswersUnauthorized) {
  // Hand-built CertIDs (SHA-1, zero hashes) with a given serial INTEGER encoding.
  auto request = [](Bytes serial_tlv) {
    Bytes cert_id = {0x30, 0x07, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x04, 0x14};
    cert_id.insert(cert_id.end(), 20, 0x00);
    cert_id.insert(cert_id.end(), {0x04, 0x14});
    cert_id.insert(cert_id.end(), 20, 0x00);
    cert_id.insert(cert_id.end(), serial_tlv.begin(), serial_tlv.end());
    auto wrap = [](Bytes inner) {
      Bytes out = {0x30, static_cast<uint8_t>(inner.size())};
      out.insert(out.end(), inner.begin(), inner.end());
      return out;
    };
    return wrap(wrap(wrap(wrap(wrap(cert_id)))));
  };
  const Bytes positive = request({0x02, 0x01, 0x05});
  ASSERT_TRUE(ParseSimpleRequest(positive));
  EXPECT_EQ(ParseSimpleRequest(positive)->serial_hex, "05");
  ExpectSameAsFullParser(positive);
  EXPECT_FALSE(ParseSimpleRequest(request({0x02, 0x01, 0x00})));  // zero
  EXPECT_FALSE(ParseSimpleRequest(request({0x02, 0x01, 0xff})));  // negative
  EXPECT_FALSE(ParseSimpleRequest(request({0x02, 0x02, 0x00, 0x05})));  // not minimal
  Bytes long_serial = {0x02, 0x15};
  long_serial.insert(long_serial.end(), 21, 0x11);  // 21 octets
  EXPECT_FALSE(ParseSimpleRequest(request(long_serial)));
  Bytes max_serial = {0x02, 0x14};
  max_serial.insert(max_serial.end(), 20, 0x11);  // 20 octets: the longest allowed
  ExpectSameAsFullParser(request(max_serial));
}

}  // namespace
}  // namespace ca::ocsp
