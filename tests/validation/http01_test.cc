#include <chrono>

#include <gtest/gtest.h>

#include "fake_dns_server.h"
#include "fake_servers.h"
#include "validation/validator.h"

namespace ca::validation {
namespace {

using testing::ClosedPort;
using testing::FakeDnsServer;
using testing::FakeResponse;
using testing::FakeServer;
using std::chrono::steady_clock;

constexpr const char* kToken = "tok_-123";
constexpr const char* kKeyAuth = "tok_-123.thumbprint";
constexpr const char* kPath = "/.well-known/acme-challenge/tok_-123";

class Http01Test : public ::testing::Test {
 protected:
  Http01Test() {
    dns_.AddA("example.test", "127.0.0.1");
    dns_.AddA("other.test", "127.0.0.1");
  }
  Result<void> Run(uint16_t port, const core::Identifier& id, uint32_t timeout_ms = 3000,
                   uint32_t max_redirects = 10) {
    Options o;
    o.http01_port = port;
    o.dns_resolver = dns_.Address();
    o.timeout_ms = timeout_ms;
    o.max_redirects = max_redirects;
    return MakeValidator(o, nullptr)->Validate(ChallengeInput{id, false, "http-01", kToken, kKeyAuth});
  }
  FakeDnsServer dns_;
};

const core::Identifier kIp{"ip", "127.0.0.1"};
const core::Identifier kName{"dns", "example.test"};

TEST_F(Http01Test, IpIdentifierWithTrailingNewline) {
  FakeServer srv([](const std::string& target) {
    return target == kPath ? FakeResponse{200, std::string(kKeyAuth) + "\r\n"} : FakeResponse{404};
  });
  auto r = Run(srv.port(), kIp);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  ASSERT_EQ(srv.seen().size(), 1u);
  EXPECT_EQ(srv.seen()[0].host, "127.0.0.1:" + std::to_string(srv.port()));
  EXPECT_EQ(srv.seen()[0].target, kPath);
}

TEST_F(Http01Test, DnsIdentifierResolvedThroughConfiguredServer) {
  FakeServer srv([](const std::string&) { return FakeResponse{200, kKeyAuth}; });
  auto r = Run(srv.port(), kName);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_EQ(srv.seen().at(0).host, "example.test:" + std::to_string(srv.port()));
}

TEST_F(Http01Test, WrongBody) {
  FakeServer srv([](const std::string&) { return FakeResponse{200, "nope " + std::string(200, 'x')}; });
  auto r = Run(srv.port(), kName);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kIncorrectResponse);
  EXPECT_EQ(r.error().detail,
            "The key authorization file from the server did not match this challenge. Expected "
            "\"tok_-123.thumbprint\" (got \"nope " + std::string(95, 'x') + "\")");
}

TEST_F(Http01Test, LeadingWhitespaceIsNotTrimmed) {
  FakeServer srv([](const std::string&) { return FakeResponse{200, std::string(" ") + kKeyAuth}; });
  auto r = Run(srv.port(), kIp);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kIncorrectResponse);
}

TEST_F(Http01Test, OversizedBody) {
  FakeServer srv([](const std::string&) { return FakeResponse{200, kKeyAuth + std::string(5000, ' ')}; });
  auto r = Run(srv.port(), kIp);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kIncorrectResponse);
}

TEST_F(Http01Test, NotFound) {
  FakeServer srv([](const std::string&) { return FakeResponse{404, "not here"}; });
  auto r = Run(srv.port(), kName);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnauthorized);
  EXPECT_EQ(r.error().detail, "Invalid response from http://example.test:" + std::to_string(srv.port()) +
                                  kPath + ": 404");
}

TEST_F(Http01Test, RelativeAndAbsoluteRedirects) {
  FakeServer target([](const std::string& t) {
    return t == "/final?x=1" ? FakeResponse{200, kKeyAuth} : FakeResponse{404};
  });
  const std::string abs = "http://other.test:" + std::to_string(target.port()) + "/final?x=1#frag";
  FakeServer srv([&](const std::string& t) {
    if (t == kPath) return FakeResponse{302, "", "/hop"};
    return FakeResponse{301, "", abs};
  });
  auto r = Run(srv.port(), kName);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  ASSERT_EQ(srv.seen().size(), 2u);
  EXPECT_EQ(srv.seen()[1].target, "/hop");
  EXPECT_EQ(target.seen().at(0).host, "other.test:" + std::to_string(target.port()));
}

TEST_F(Http01Test, RedirectToHttpsWithUnverifiedCertificate) {
  auto cert = testing::MakeCert({"DNS:other.test", std::nullopt, true});
  FakeServer https([](const std::string&) { return FakeResponse{200, kKeyAuth}; }, cert.cert.get(),
                   cert.key.get(), /*alpn_acme=*/false);
  FakeServer srv([&](const std::string&) {
    return FakeResponse{307, "", "https://other.test:" + std::to_string(https.port()) + "/secure"};
  });
  auto r = Run(srv.port(), kName);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_EQ(https.seen().at(0).target, "/secure");
  EXPECT_EQ(https.last_sni(), "other.test");
}

TEST_F(Http01Test, TooManyRedirects) {
  FakeServer srv([](const std::string&) { return FakeResponse{302, "", "/again"}; });
  auto r = Run(srv.port(), kIp, 3000, 3);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kConnection);
  EXPECT_NE(r.error().detail.find("Too many redirects"), std::string::npos);
  EXPECT_EQ(srv.seen().size(), 4u);
}

TEST_F(Http01Test, RedirectToOtherSchemeRefused) {
  FakeServer srv([](const std::string&) { return FakeResponse{302, "", "ftp://example.test/x"}; });
  auto r = Run(srv.port(), kIp);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kConnection);
  EXPECT_NE(r.error().detail.find("not \"ftp\""), std::string::npos) << r.error().detail;
}

TEST_F(Http01Test, RedirectToUnresolvableHost) {
  FakeServer srv([](const std::string&) { return FakeResponse{302, "", "http://missing.test/x"}; });
  auto r = Run(srv.port(), kIp);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kDns);
}

TEST_F(Http01Test, ConnectionRefused) {
  const uint16_t port = ClosedPort();
  auto r = Run(port, kName);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kConnection);
  EXPECT_EQ(r.error().detail, "Fetching http://example.test:" + std::to_string(port) + kPath +
                                  ": Connection refused");
}

TEST_F(Http01Test, SlowServerTimesOutWithinBudget) {
  FakeServer srv([](const std::string&) { return FakeResponse{200, kKeyAuth, "", /*hang=*/true}; });
  const auto start = steady_clock::now();
  auto r = Run(srv.port(), kIp, 500);
  const auto elapsed = steady_clock::now() - start;
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kConnection);
  EXPECT_NE(r.error().detail.find("Timeout after connect"), std::string::npos) << r.error().detail;
  EXPECT_LT(elapsed, std::chrono::milliseconds(1200));
}

TEST_F(Http01Test, UnknownNameIsDnsProblem) {
  auto r = Run(80, core::Identifier{"dns", "missing.test"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kDns);
  EXPECT_EQ(r.error().detail, "DNS problem: NXDOMAIN looking up A for missing.test");
}

TEST_F(Http01Test, BadTokenIsMalformed) {
  Options o;
  o.dns_resolver = dns_.Address();
  auto r = MakeValidator(o, nullptr)->Validate(ChallengeInput{kIp, false, "http-01", "../etc", "x"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kMalformed);
}

}  // namespace
}  // namespace ca::validation
