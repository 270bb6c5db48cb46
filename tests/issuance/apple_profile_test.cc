// Apple enrollment profile rendering (issuance/apple_profile.h): subject parsing, XML escaping,
// UUID format and the shape of the rendered configuration profile.
#include "issuance/apple_profile.h"

#include <gtest/gtest.h>

#include <regex>

#include "common/base64.h"

namespace ca::issuance {
namespace {

TEST(AppleSubject, ParsesComponentsInOrder) {
  auto s = ParseAppleSubject("CN=a,O=b");
  ASSERT_TRUE(s) << s.error().detail;
  AppleSubject want = {{"CN", "a"}, {"O", "b"}};
  EXPECT_EQ(*s, want);
}

TEST(AppleSubject, TrimsSpacesUppercasesShortcutsAndAcceptsOids) {
  auto s = ParseAppleSubject(" cn = Device 1 , ou=Fleet, 2.5.4.5=C02X ");
  ASSERT_TRUE(s) << s.error().detail;
  AppleSubject want = {{"CN", "Device 1"}, {"OU", "Fleet"}, {"2.5.4.5", "C02X"}};
  EXPECT_EQ(*s, want);
}

TEST(AppleSubject, Escapes) {
  auto s = ParseAppleSubject(R"(O=Example\, Inc.,CN=a\=b\\c)");
  ASSERT_TRUE(s) << s.error().detail;
  AppleSubject want = {{"O", "Example, Inc."}, {"CN", "a=b\\c"}};
  EXPECT_EQ(*s, want);
}

TEST(AppleSubject, ValueMayHoldXmlSpecials) {
  auto s = ParseAppleSubject("CN=<&>\"'");
  ASSERT_TRUE(s) << s.error().detail;
  EXPECT_EQ((*s)[0].second, "<&>\"'");
}

TEST(AppleSubject, RefusesMalformed) {
  for (const char* bad : {"", "   ", "CN", "CN=a,", ",CN=a", "CN=a,,O=b", "=a", "CN=", "CN= ", "XX=a",
                          "1.2=a,CN", "01.2=a", "CN=a\\", "CN=a\x01", "CN=\xff\xfe", "CN=a\nO=b"}) {
    auto s = ParseAppleSubject(bad);
    EXPECT_FALSE(s) << "accepted: \"" << bad << "\"";
    if (!s) {
      EXPECT_EQ(s.error().code, Errc::kMalformed);
    }
  }
}

TEST(XmlEscape, EscapesSpecials) {
  EXPECT_EQ(XmlEscape("<&>\""), "&lt;&amp;&gt;&quot;");
  EXPECT_EQ(XmlEscape("a'b"), "a&apos;b");
  EXPECT_EQ(XmlEscape("plain text/é"), "plain text/é");
  EXPECT_EQ(XmlEscape("&amp;"), "&amp;amp;");
}

TEST(XmlEscape, Representable) {
  EXPECT_TRUE(XmlRepresentable("tab\tand\nlines"));
  EXPECT_TRUE(XmlRepresentable("Zürich ✓"));
  EXPECT_FALSE(XmlRepresentable(std::string("nul\0", 4)));
  EXPECT_FALSE(XmlRepresentable("bell\x07"));
  EXPECT_FALSE(XmlRepresentable("\xc3"));          // truncated
  EXPECT_FALSE(XmlRepresentable("\xc0\xaf"));      // overlong
  EXPECT_FALSE(XmlRepresentable("\xed\xa0\x80"));  // surrogate
}

TEST(Uuid, Version4Format) {
  const std::regex re("^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$");
  Bytes ff(16, 0xff), zero(16, 0x00);
  EXPECT_EQ(FormatUuidV4(ff), "FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF");
  EXPECT_EQ(FormatUuidV4(zero), "00000000-0000-4000-8000-000000000000");
  Bytes seq;
  for (uint8_t i = 0; i < 16; ++i) seq.push_back(static_cast<uint8_t>(i * 17));
  EXPECT_EQ(FormatUuidV4(seq), "00112233-4455-4677-8899-AABBCCDDEEFF");
  for (const auto& b : {ff, zero, seq}) EXPECT_TRUE(std::regex_match(FormatUuidV4(b), re));
}

AppleAcmeProfile Sample() {
  AppleAcmeProfile p;
  p.identifier = "attestca.devices.C02<X>";
  p.display_name = "Enroll & attest";
  p.directory_url = "https://ca.example:8443/acme/devices/directory";
  p.client_identifier = "C02<X>";
  p.key_size = 384;
  p.subject = {{"CN", "C02<X>"}, {"O", "A&B"}};
  p.root_der = {0x30, 0x03, 0x02, 0x01, 0x01};
  p.profile_uuid = "11111111-1111-4111-8111-111111111111";
  p.root_uuid = "22222222-2222-4222-8222-222222222222";
  p.acme_uuid = "33333333-3333-4333-8333-333333333333";
  return p;
}

bool Contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

TEST(Mobileconfig, RendersPayloads) {
  auto x = RenderAppleMobileconfig(Sample());
  ASSERT_TRUE(x) << x.error().detail;
  const std::string& s = *x;
  EXPECT_TRUE(s.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist"));
  EXPECT_TRUE(s.ends_with("</plist>\n"));
  EXPECT_TRUE(Contains(s, "<string>Configuration</string>"));
  EXPECT_TRUE(Contains(s, "<string>com.apple.security.root</string>"));
  EXPECT_TRUE(Contains(s, "<string>com.apple.security.acme</string>"));
  EXPECT_TRUE(Contains(s, "<data>" + Base64Encode(Bytes{0x30, 0x03, 0x02, 0x01, 0x01}) + "</data>"));
  EXPECT_TRUE(Contains(s, "<string>C02&lt;X&gt;</string>"));
  EXPECT_TRUE(Contains(s, "<string>A&amp;B</string>"));
  EXPECT_TRUE(Contains(s, "<string>Enroll &amp; attest</string>"));
  EXPECT_TRUE(Contains(s, "<string>attestca.devices.C02&lt;X&gt;.acme</string>"));
  EXPECT_FALSE(Contains(s, "<X>"));
  EXPECT_FALSE(Contains(s, "A&B"));
  EXPECT_TRUE(Contains(s, "<key>KeySize</key>\n      <integer>384</integer>"));
  EXPECT_TRUE(Contains(s, "<key>HardwareBound</key>\n      <true/>"));
  EXPECT_TRUE(Contains(s, "<key>Attest</key>\n      <true/>"));
  EXPECT_TRUE(Contains(s, "<string>ECSECPrimeRandom</string>"));
  EXPECT_TRUE(Contains(s, "<string>1.3.6.1.5.5.7.3.2</string>"));
  EXPECT_TRUE(Contains(s, "<key>UsageFlags</key>\n      <integer>1</integer>"));
  EXPECT_TRUE(Contains(s, "<array>\n            <string>CN</string>\n            <string>C02&lt;X&gt;</string>"));
  for (const char* u : {"11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222",
                        "33333333-3333-4333-8333-333333333333"}) {
    EXPECT_TRUE(Contains(s, std::string("<string>") + u + "</string>")) << u;
  }
}

TEST(Mobileconfig, RefusesBadInput) {
  auto p = Sample();
  p.key_size = 521;
  EXPECT_FALSE(RenderAppleMobileconfig(p));
  p = Sample();
  p.client_identifier = std::string("a\0b", 3);
  EXPECT_FALSE(RenderAppleMobileconfig(p));
  p = Sample();
  p.subject.clear();
  EXPECT_FALSE(RenderAppleMobileconfig(p));
  p = Sample();
  p.key_size = 256;
  auto x = RenderAppleMobileconfig(p);
  ASSERT_TRUE(x);
  EXPECT_TRUE(Contains(*x, "<integer>256</integer>"));
}

}  // namespace
}  // namespace ca::issuance
