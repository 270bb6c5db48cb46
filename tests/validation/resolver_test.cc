#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "fake_dns_server.h"
#include "validation/validator.h"

namespace ca::validation {
namespace {

using testing::FakeDnsServer;
using std::chrono::steady_clock;

std::unique_ptr<Resolver> ResolverFor(const FakeDnsServer& dns, uint32_t timeout_ms = 3000) {
  Options o;
  o.dns_resolver = dns.Address();
  o.timeout_ms = timeout_ms;
  auto r = MakeResolver(o);
  EXPECT_TRUE(r.has_value());
  return std::move(*r);
}

TEST(ResolverTest, LooksUpAAndAaaaFromAuthoritativeServer) {
  FakeDnsServer dns;
  dns.AddA("host.example.test", "127.0.0.1");
  dns.AddA("host.example.test", "10.1.2.3");
  dns.AddAaaa("host.example.test", "::1");
  auto r = ResolverFor(dns);
  auto addrs = r->LookupAddresses("host.example.test");
  ASSERT_TRUE(addrs.has_value()) << addrs.error().detail;
  EXPECT_EQ(*addrs, (std::vector<std::string>{"127.0.0.1", "10.1.2.3", "::1"}));
}

TEST(ResolverTest, OnlyAaaa) {
  FakeDnsServer dns;
  dns.AddAaaa("v6.example.test", "2001:db8::1");
  auto addrs = ResolverFor(dns)->LookupAddresses("v6.example.test");
  ASSERT_TRUE(addrs.has_value()) << addrs.error().detail;
  EXPECT_EQ(*addrs, std::vector<std::string>{"2001:db8::1"});
}

TEST(ResolverTest, NxdomainIsDnsError) {
  FakeDnsServer dns;
  auto addrs = ResolverFor(dns)->LookupAddresses("missing.example.test");
  ASSERT_FALSE(addrs.has_value());
  EXPECT_EQ(addrs.error().code, Errc::kDns);
  EXPECT_EQ(addrs.error().detail, "DNS problem: NXDOMAIN looking up A for missing.example.test");
}

TEST(ResolverTest, NoAddressRecords) {
  FakeDnsServer dns;
  dns.AddName("empty.example.test");
  auto addrs = ResolverFor(dns)->LookupAddresses("empty.example.test");
  ASSERT_FALSE(addrs.has_value());
  EXPECT_EQ(addrs.error().code, Errc::kDns);
  EXPECT_EQ(addrs.error().detail, "DNS problem: no valid A or AAAA records for empty.example.test");
}

TEST(ResolverTest, ServfailIsDnsError) {
  FakeDnsServer dns;
  dns.ServFail("broken.example.test");
  auto txt = ResolverFor(dns)->LookupTxt("broken.example.test");
  ASSERT_FALSE(txt.has_value());
  EXPECT_EQ(txt.error().code, Errc::kDns);
  EXPECT_EQ(txt.error().detail, "DNS problem: SERVFAIL looking up TXT for broken.example.test");
}

TEST(ResolverTest, TxtConcatenatesStringsPerRecord) {
  FakeDnsServer dns;
  dns.AddTxt("_acme-challenge.example.test", {"abc", "def"});
  dns.AddTxt("_acme-challenge.example.test", {"second"});
  auto txt = ResolverFor(dns)->LookupTxt("_acme-challenge.example.test");
  ASSERT_TRUE(txt.has_value()) << txt.error().detail;
  EXPECT_EQ(*txt, (std::vector<std::string>{"abcdef", "second"}));
}

TEST(ResolverTest, TxtNoDataIsEmpty) {
  FakeDnsServer dns;
  dns.AddA("_acme-challenge.example.test", "127.0.0.1");
  auto txt = ResolverFor(dns)->LookupTxt("_acme-challenge.example.test");
  ASSERT_TRUE(txt.has_value()) << txt.error().detail;
  EXPECT_TRUE(txt->empty());
}

TEST(ResolverTest, TxtNxdomain) {
  FakeDnsServer dns;
  auto txt = ResolverFor(dns)->LookupTxt("_acme-challenge.example.test");
  ASSERT_FALSE(txt.has_value());
  EXPECT_EQ(txt.error().code, Errc::kDns);
  EXPECT_EQ(txt.error().detail, "DNS problem: NXDOMAIN looking up TXT for _acme-challenge.example.test");
}

TEST(ResolverTest, SilentServerTimesOutWithinBudget) {
  FakeDnsServer dns(/*silent=*/true);
  auto r = ResolverFor(dns, 600);
  const auto start = steady_clock::now();
  auto addrs = r->LookupAddresses("host.example.test");
  const auto elapsed = steady_clock::now() - start;
  ASSERT_FALSE(addrs.has_value());
  EXPECT_EQ(addrs.error().code, Errc::kDns);
  EXPECT_EQ(addrs.error().detail, "DNS problem: query timed out looking up A for host.example.test");
  EXPECT_GE(elapsed, std::chrono::milliseconds(500));
  EXPECT_LT(elapsed, std::chrono::milliseconds(1500));
}

TEST(ResolverTest, LocalhostAndLiterals) {
  FakeDnsServer dns(/*silent=*/true);
  auto r = ResolverFor(dns, 300);
  auto local = r->LookupAddresses("localhost");
  ASSERT_TRUE(local.has_value());
  EXPECT_EQ(*local, (std::vector<std::string>{"127.0.0.1", "::1"}));
  auto literal = r->LookupAddresses("192.0.2.7");
  ASSERT_TRUE(literal.has_value());
  EXPECT_EQ(*literal, std::vector<std::string>{"192.0.2.7"});
  EXPECT_EQ(dns.queries(), 0);
}

TEST(ResolverTest, ResolverAddressSyntax) {
  for (const char* good : {"127.0.0.1:8053", "[::1]:8053", "10.0.0.1", "[::1]"}) {
    Options o;
    o.dns_resolver = good;
    EXPECT_TRUE(MakeResolver(o).has_value()) << good;
  }
  for (const char* bad : {"localhost:53", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:70000", "[::1:53",
                          "::1:53x", "1.2.3.4:53:1"}) {
    Options o;
    o.dns_resolver = bad;
    auto r = MakeResolver(o);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, Errc::kMalformed);
  }
  EXPECT_TRUE(MakeResolver(Options{}).has_value());  // system configuration
}

TEST(ResolverTest, ConcurrentLookups) {
  FakeDnsServer dns;
  dns.AddA("a.example.test", "127.0.0.2");
  dns.AddTxt("t.example.test", {"x"});
  auto r = ResolverFor(dns);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 10; ++j) {
        auto a = r->LookupAddresses("a.example.test");
        auto t = r->LookupTxt("t.example.test");
        if (a && t && (*a)[0] == "127.0.0.2" && (*t)[0] == "x") ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 80);
}

}  // namespace
}  // namespace ca::validation
