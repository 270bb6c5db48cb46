// The webhook's wire format: body fields, HMAC signature (RFC 4231 vector), answer parsing.
#include "webhook/message.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/bytes.h"

namespace ca::webhook {
namespace {

attestation::AttestedDevice Device() {
  attestation::AttestedDevice d;
  d.format = "apple";
  d.identifiers = {{"serial", "C02XYZ"}, {"udid", "00008103-0001"}};
  d.spki_sha256_hex = "ab12";
  d.facts = {{"os_version", "17.1"}, {"sip", "true"}};
  d.chain_der = {Bytes{0x30, 0x03, 0x02, 0x01, 0x01}};
  return d;
}

TEST(WebhookBody, CarriesEveryField) {
  const auto dev = Device();
  AuthorizeRequest req;
  req.provisioner = "devices";
  req.account_id = "acct1";
  req.account_thumbprint = "tp";
  req.identifier = {"permanent-identifier", "C02XYZ"};
  req.device = &dev;
  req.timestamp = 1700000000;
  req.request_id = "rid";
  const auto j = nlohmann::json::parse(RequestBody(req));
  EXPECT_EQ(j["provisioner"], "devices");
  EXPECT_EQ(j["account"], (nlohmann::json{{"id", "acct1"}, {"thumbprint", "tp"}}));
  EXPECT_EQ(j["identifier"], (nlohmann::json{{"type", "permanent-identifier"}, {"value", "C02XYZ"}}));
  EXPECT_EQ(j["format"], "apple");
  EXPECT_EQ(j["identifiers"], nlohmann::json::parse(R"([{"kind":"serial","value":"C02XYZ"},
                                                         {"kind":"udid","value":"00008103-0001"}])"));
  EXPECT_EQ(j["facts"], (nlohmann::json{{"os_version", "17.1"}, {"sip", "true"}}));
  EXPECT_EQ(j["attested_key_spki_sha256"], "ab12");
  ASSERT_EQ(j["chain_pem"].size(), 1u);
  EXPECT_EQ(j["chain_pem"][0], "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n");
  EXPECT_EQ(j["timestamp"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(j["request_id"], "rid");
  EXPECT_EQ(j.size(), 10u);
}

TEST(WebhookBody, InvalidUtf8FromTheDeviceDoesNotThrow) {
  auto dev = Device();
  dev.facts["odd"] = std::string("\xff\xfe", 2);
  AuthorizeRequest req;
  req.device = &dev;
  std::string body;
  ASSERT_NO_THROW(body = RequestBody(req));
  EXPECT_FALSE(nlohmann::json::parse(body, nullptr, false).is_discarded());
}

TEST(WebhookSignature, HmacSha256OverTheExactBody) {
  // RFC 4231 test case 2.
  EXPECT_EQ(SignatureValue(AsBytes("Jefe"), "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const Bytes key(32, 0x0b);
  EXPECT_NE(SignatureValue(key, "{\"a\":1}"), SignatureValue(key, "{\"a\": 1}"));
}

TEST(WebhookAnswer, AllowAndDeny) {
  auto allow = ParseAnswer(200, R"({"allow": true})");
  ASSERT_TRUE(allow);
  EXPECT_TRUE(allow->allow);
  EXPECT_EQ(allow->reason, "");
  auto deny = ParseAnswer(200, R"({"allow": false, "reason": "stolen device", "extra": 1})");
  ASSERT_TRUE(deny);
  EXPECT_FALSE(deny->allow);
  EXPECT_EQ(deny->reason, "stolen device");
}

TEST(WebhookAnswer, AnythingElseIsUnavailable) {
  const std::pair<unsigned, const char*> bad[] = {
      {500, R"({"allow": true})"}, {201, R"({"allow": true})"}, {200, "allow"},       {200, "[true]"},
      {200, R"({"allow": "yes"})"}, {200, "{}"},                 {200, R"({"allow": true, "reason": 5})"},
      {200, R"({"allow": false, "allow": true})"},  // duplicate keys: ambiguous, refused
      {200, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"}};
  for (const auto& [status, body] : bad) {
    auto r = ParseAnswer(status, body);
    ASSERT_FALSE(r) << status << " " << body;
    EXPECT_EQ(r.error().code, Errc::kUnavailable);
  }
  EXPECT_EQ(ParseAnswer(503, "").error().detail, "HTTP status 503");
}

TEST(WebhookAnswer, ReasonSanitised) {
  EXPECT_EQ(SanitizeReason("bad\r\nX-Injected: 1\x01"), "bad??X-Injected: 1?");
  const std::string long_reason(500, 'r');
  EXPECT_EQ(SanitizeReason(long_reason), std::string(kMaxReasonChars, 'r') + "...");
  auto r = ParseAnswer(200, R"({"allow": false, "reason": "caf\u00e9\n"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "caf???");
}

}  // namespace
}  // namespace ca::webhook
