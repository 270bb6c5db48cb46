#include <gtest/gtest.h>

#include "common/base64.h"
#include "fake_dns_server.h"
#include "validation/challenges.h"
#include "validation/validator.h"

namespace ca::validation {
namespace {

using testing::FakeDnsServer;

constexpr const char* kKeyAuth = "tok123.thumbprint456";

std::string Expected() {
  const auto d = Sha256(kKeyAuth);
  return Base64UrlEncode(ByteView(d));
}

class Dns01Test : public ::testing::Test {
 protected:
  Result<void> Run(const std::string& name, bool wildcard = false, const std::string& type = "dns") {
    Options o;
    o.dns_resolver = dns_.Address();
    o.timeout_ms = 2000;
    auto v = MakeValidator(o, nullptr);
    return v->Validate(ChallengeInput{{type, name}, wildcard, "dns-01", "tok123", kKeyAuth});
  }
  FakeDnsServer dns_;
};

TEST_F(Dns01Test, ExpectedValueIsUnpaddedBase64UrlOfSha256) {
  // sha256("tok123.thumbprint456"), computed independently with openssl dgst | basenc --base64url.
  EXPECT_EQ(Expected(), "ZRiwqBhih_HRWxAGGZ1IIKsVBcme80nzgpkWKTtZC7g");
}

TEST_F(Dns01Test, MatchingRecordAmongOthers) {
  dns_.AddTxt("_acme-challenge.example.test", {"unrelated"});
  dns_.AddTxt("_acme-challenge.example.test", {Expected().substr(0, 10), Expected().substr(10)});
  EXPECT_TRUE(Run("example.test").has_value());
}

TEST_F(Dns01Test, WildcardUsesBaseName) {
  dns_.AddTxt("_acme-challenge.example.test", {Expected()});
  EXPECT_TRUE(Run("example.test", true).has_value());
  auto r = Run("*.example.test", true);
  EXPECT_TRUE(r.has_value()) << r.error().detail;
}

TEST_F(Dns01Test, WrongRecord) {
  dns_.AddTxt("_acme-challenge.example.test", {"wrong"});
  dns_.AddTxt("_acme-challenge.example.test", {"also-wrong"});
  auto r = Run("example.test");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnauthorized);
  EXPECT_EQ(r.error().detail, "Incorrect TXT record \"wrong\" (and 1 more) found at _acme-challenge.example.test");
}

TEST_F(Dns01Test, NoRecord) {
  dns_.AddName("_acme-challenge.example.test");
  auto r = Run("example.test");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnauthorized);
  EXPECT_EQ(r.error().detail, "No TXT record found at _acme-challenge.example.test");
}

TEST_F(Dns01Test, NxdomainIsDnsProblem) {
  auto r = Run("example.test");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kDns);
  EXPECT_EQ(r.error().detail, "DNS problem: NXDOMAIN looking up TXT for _acme-challenge.example.test");
}

TEST_F(Dns01Test, IpIdentifierIsMalformed) {
  auto r = Run("127.0.0.1", false, "ip");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kMalformed);
}

TEST(Dns01TimeoutTest, SilentServerIsDnsProblem) {
  FakeDnsServer dns(/*silent=*/true);
  Options o;
  o.dns_resolver = dns.Address();
  o.timeout_ms = 400;
  auto r = MakeValidator(o, nullptr)->Validate(
      ChallengeInput{{"dns", "example.test"}, false, "dns-01", "tok123", kKeyAuth});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kDns);
  EXPECT_NE(r.error().detail.find("timed out"), std::string::npos);
}

}  // namespace
}  // namespace ca::validation
