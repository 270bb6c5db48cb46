#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "fake_servers.h"
#include "validation/validator.h"

namespace ca::validation {
namespace {

using testing::FakeResponse;
using testing::FakeServer;

// FakeResolver answers from a table, without any network.
class FakeResolver final : public Resolver {
 public:
  Result<std::vector<std::string>> LookupAddresses(const std::string& host) override {
    if (host == "example.test") return std::vector<std::string>{"::1", "127.0.0.1"};
    return Fail(Errc::kDns, "DNS problem: NXDOMAIN looking up A for " + host);
  }
  Result<std::vector<std::string>> LookupTxt(const std::string&) override {
    return std::vector<std::string>{};
  }
};

TEST(ValidatorTest, UnknownChallengeTypeIsMalformed) {
  auto v = MakeValidator(Options{}, std::make_shared<FakeResolver>());
  auto r = v->Validate(ChallengeInput{{"dns", "example.test"}, false, "http-02", "t", "t.k"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kMalformed);
}

TEST(ValidatorTest, UnknownIdentifierTypeIsMalformed) {
  auto v = MakeValidator(Options{}, std::make_shared<FakeResolver>());
  auto r = v->Validate(ChallengeInput{{"email", "a@b.test"}, false, "http-01", "t", "t.k"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kMalformed);
}

TEST(ValidatorTest, WildcardOnlyWithDns01) {
  auto v = MakeValidator(Options{}, std::make_shared<FakeResolver>());
  auto r = v->Validate(ChallengeInput{{"dns", "example.test"}, true, "http-01", "t", "t.k"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kMalformed);
  auto d = v->Validate(ChallengeInput{{"dns", "example.test"}, true, "dns-01", "t", "t.k"});
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, Errc::kUnauthorized);  // reached the (empty) TXT lookup
}

TEST(ValidatorTest, BadResolverConfigIsInternal) {
  Options o;
  o.dns_resolver = "not-an-address";
  auto r = MakeValidator(o, nullptr)->Validate(ChallengeInput{{"dns", "example.test"}, false, "dns-01", "t", "t.k"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kInternal);
}

TEST(ValidatorTest, Ipv4TriedFirstAndConcurrentCallsSucceed) {
  FakeServer srv([](const std::string&) { return FakeResponse{200, "tok.key"}; });
  Options o;
  o.http01_port = srv.port();
  o.timeout_ms = 5000;
  auto v = MakeValidator(o, std::make_shared<FakeResolver>());
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 5; ++j) {
        auto r = v->Validate(ChallengeInput{{"dns", "example.test"}, false, "http-01", "tok", "tok.key"});
        if (r) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 40);
}

}  // namespace
}  // namespace ca::validation
