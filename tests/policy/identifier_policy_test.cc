#include "policy/identifier_policy.h"

#include <gtest/gtest.h>

namespace ca::policy {
namespace {

using core::Identifier;

struct NormCase {
  std::string type;
  std::string in;
  std::optional<std::string> want;  // nullopt: refused with kMalformed
};

class NormalizeTest : public ::testing::TestWithParam<NormCase> {};

TEST_P(NormalizeTest, Table) {
  const NormCase& c = GetParam();
  auto r = NormalizeIdentifier({c.type, c.in});
  if (c.want) {
    ASSERT_TRUE(r) << c.in << ": " << r.error().detail;
    EXPECT_EQ(r->type, c.type);
    EXPECT_EQ(r->value, *c.want);
  } else {
    ASSERT_FALSE(r) << c.in << " accepted as " << r->value;
    EXPECT_EQ(r.error().code, Errc::kMalformed) << c.in;
    EXPECT_FALSE(r.error().detail.empty());
  }
}

const std::string k63(63, 'a');
const std::string k64(64, 'a');

INSTANTIATE_TEST_SUITE_P(
    Dns, NormalizeTest,
    ::testing::Values(NormCase{"dns", "example.com", "example.com"}, NormCase{"dns", "WWW.Example.COM", "www.example.com"},
                      NormCase{"dns", "localhost", "localhost"}, NormCase{"dns", "a-b.x1.example", "a-b.x1.example"},
                      NormCase{"dns", "xn--bcher-kva.example", "xn--bcher-kva.example"},
                      NormCase{"dns", "*.example.com", "*.example.com"}, NormCase{"dns", "*.X.Corp", "*.x.corp"},
                      NormCase{"dns", k63 + ".example", k63 + ".example"},
                      NormCase{"dns", "example.com.", std::nullopt}, NormCase{"dns", "", std::nullopt},
                      NormCase{"dns", "a..b", std::nullopt}, NormCase{"dns", ".a.b", std::nullopt},
                      NormCase{"dns", k64 + ".example", std::nullopt}, NormCase{"dns", "*.*.x", std::nullopt},
                      NormCase{"dns", "a.*.x", std::nullopt}, NormCase{"dns", "*", std::nullopt},
                      NormCase{"dns", "*.", std::nullopt}, NormCase{"dns", "*x.example", std::nullopt},
                      NormCase{"dns", "-a.x", std::nullopt}, NormCase{"dns", "a-.x", std::nullopt},
                      NormCase{"dns", "a_b.x", std::nullopt}, NormCase{"dns", "a b.x", std::nullopt},
                      NormCase{"dns", "b\xc3\xbc" "cher.example", std::nullopt},
                      NormCase{"dns", "1.2.3.4", std::nullopt}, NormCase{"dns", "host.123", std::nullopt},
                      NormCase{"dns", std::string("a\0b.x", 5), std::nullopt}));

INSTANTIATE_TEST_SUITE_P(
    Ip, NormalizeTest,
    ::testing::Values(NormCase{"ip", "192.0.2.1", "192.0.2.1"}, NormCase{"ip", "10.0.0.0", "10.0.0.0"},
                      NormCase{"ip", "2001:DB8::1", "2001:db8::1"},
                      NormCase{"ip", "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
                      NormCase{"ip", "::1", "::1"}, NormCase{"ip", "::ffff:192.0.2.1", "::ffff:192.0.2.1"},
                      NormCase{"ip", "1.2.3", std::nullopt}, NormCase{"ip", "01.2.3.4", std::nullopt},
                      NormCase{"ip", "1.2.3.04", std::nullopt}, NormCase{"ip", "256.1.1.1", std::nullopt},
                      NormCase{"ip", "1.2.3.4 ", std::nullopt}, NormCase{"ip", "fe80::1%eth0", std::nullopt},
                      NormCase{"ip", "2001:db8::1/64", std::nullopt}, NormCase{"ip", "example.com", std::nullopt},
                      NormCase{"ip", "", std::nullopt}, NormCase{"ip", "0x7f.0.0.1", std::nullopt}));

TEST(NormalizeIdentifier, LongNameLimit) {
  std::string ok = std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') + "." +
                   std::string(61, 'd');  // 253
  ASSERT_EQ(ok.size(), 253u);
  EXPECT_TRUE(NormalizeIdentifier({"dns", ok}));
  EXPECT_FALSE(NormalizeIdentifier({"dns", ok + "d"}));
}

TEST(NormalizeIdentifier, UnknownTypeIsUnsupported) {
  auto r = NormalizeIdentifier({"email", "a@b.c"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kUnsupportedIdentifier);
  r = NormalizeIdentifier({"DNS", "a.example"});  // types are case-sensitive
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kUnsupportedIdentifier);
}

TEST(NormalizeIdentifier, DeviceIdentifiersFollowTheDraftAbnf) {
  // draft-ietf-acme-device-attest-09 §3: kept octet for octet, never normalised.
  auto r = NormalizeIdentifier({"permanent-identifier", "C02Xk1/1.2.840.113635"});
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->value, "C02Xk1/1.2.840.113635");
  EXPECT_TRUE(NormalizeIdentifier({"permanent-identifier", "ABCDEF123456"}));
  EXPECT_TRUE(NormalizeIdentifier({"hardware-module", "ABCD/1.2.3.4"}));
  EXPECT_EQ(NormalizeIdentifier({"hardware-module", "ABCD"}).error().code, Errc::kMalformed);  // OID mandatory
  EXPECT_EQ(NormalizeIdentifier({"permanent-identifier", "X/1.2.x"}).error().code, Errc::kMalformed);
  EXPECT_EQ(NormalizeIdentifier({"permanent-identifier", ""}).error().code, Errc::kMalformed);
  EXPECT_EQ(NormalizeIdentifier({"permanent-identifier", "a/b/1.2"}).error().code, Errc::kMalformed);
}

TEST(CheckNamePolicy, NameListsDoNotApplyToDeviceIdentifiers) {
  config::NamePolicy names;
  names.allowed_names = {".corp.example"};
  EXPECT_TRUE(CheckNamePolicy({"permanent-identifier", "C02X"}, {"permanent-identifier"}, names));
  EXPECT_EQ(CheckNamePolicy({"permanent-identifier", "C02X"}, {"dns"}, names).error().code,
            Errc::kUnsupportedIdentifier);
}

TEST(NormalizeIdentifier, DetailQuotesUnsafeBytes) {
  auto r = NormalizeIdentifier({"dns", "a\nb\x01.x"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail.find('\n'), std::string::npos);
  EXPECT_NE(r.error().detail.find("\\x0a"), std::string::npos) << r.error().detail;
}

const std::vector<std::string> kBoth = {"dns", "ip"};

Result<void> Check(const std::string& type, const std::string& value, const config::NamePolicy& p,
                   const std::vector<std::string>& types = kBoth) {
  return CheckNamePolicy(Identifier{type, value}, types, p);
}

TEST(CheckNamePolicy, EmptyPolicyAllowsAll) {
  config::NamePolicy p;
  EXPECT_TRUE(Check("dns", "anything.example", p));
  EXPECT_TRUE(Check("ip", "192.0.2.1", p));
}

TEST(CheckNamePolicy, TypeNotAllowed) {
  config::NamePolicy p;
  auto r = Check("ip", "192.0.2.1", p, {"dns"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kUnsupportedIdentifier);
  EXPECT_EQ(r.error().detail, "identifier type \"ip\" is not allowed by this provisioner");
}

TEST(CheckNamePolicy, SuffixEntries) {
  config::NamePolicy p;
  p.allowed_names = {".corp.example"};
  EXPECT_TRUE(Check("dns", "a.corp.example", p));
  EXPECT_TRUE(Check("dns", "a.b.corp.example", p));
  EXPECT_TRUE(Check("dns", "*.corp.example", p));
  EXPECT_TRUE(Check("dns", "*.x.corp.example", p));
  for (const char* bad : {"corp.example", "xcorp.example", "a.corp.example.evil", "other.example"}) {
    auto r = Check("dns", bad, p);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::kRejectedIdentifier);
    EXPECT_NE(r.error().detail.find("allowed_names"), std::string::npos);
  }
  // A DNS-only allow list does not let IPs through.
  EXPECT_FALSE(Check("ip", "192.0.2.1", p));
}

TEST(CheckNamePolicy, ExactEntries) {
  config::NamePolicy p;
  p.allowed_names = {"host.example", "*.wild.example"};
  EXPECT_TRUE(Check("dns", "host.example", p));
  EXPECT_FALSE(Check("dns", "a.host.example", p));
  EXPECT_FALSE(Check("dns", "*.host.example", p));  // an exact allow never grants a wildcard
  EXPECT_TRUE(Check("dns", "*.wild.example", p));
  EXPECT_FALSE(Check("dns", "wild.example", p));
}

TEST(CheckNamePolicy, DeniedWins) {
  config::NamePolicy p;
  p.allowed_names = {".example"};
  p.denied_names = {".prod.example", "secret.example"};
  EXPECT_TRUE(Check("dns", "dev.example", p));
  auto r = Check("dns", "db.prod.example", p);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kRejectedIdentifier);
  EXPECT_NE(r.error().detail.find("denied by denied_names entry '.prod.example'"), std::string::npos)
      << r.error().detail;
  EXPECT_FALSE(Check("dns", "*.prod.example", p));
  EXPECT_FALSE(Check("dns", "*.x.prod.example", p));
  EXPECT_TRUE(Check("dns", "prod.example", p));  // the suffix entry does not cover the name itself
  r = Check("dns", "secret.example", p);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("'secret.example'"), std::string::npos);
  // Wildcards are denied by their base and when they would cover a denied name.
  EXPECT_FALSE(Check("dns", "*.secret.example", p));
  p.denied_names = {"x.corp.example"};
  p.allowed_names.clear();
  EXPECT_FALSE(Check("dns", "*.corp.example", p));
  EXPECT_TRUE(Check("dns", "*.y.corp.example", p));
  EXPECT_TRUE(Check("dns", "a.x.corp.example", p));
}

TEST(CheckNamePolicy, EntriesAreCaseInsensitive) {
  config::NamePolicy p;
  p.denied_names = {".PROD.Example"};
  EXPECT_FALSE(Check("dns", "a.prod.example", p));
}

TEST(CheckNamePolicy, CidrEntries) {
  config::NamePolicy p;
  p.allowed_names = {"10.0.0.0/8", "fd00::/8", "192.0.2.7", ".corp.example"};
  p.denied_names = {"10.66.0.0/16"};
  EXPECT_TRUE(Check("ip", "10.1.2.3", p));
  EXPECT_TRUE(Check("ip", "fd12::1", p));
  EXPECT_TRUE(Check("ip", "192.0.2.7", p));
  EXPECT_FALSE(Check("ip", "192.0.2.8", p));
  EXPECT_FALSE(Check("ip", "11.0.0.1", p));
  EXPECT_FALSE(Check("ip", "fe80::1", p));
  EXPECT_FALSE(Check("ip", "::ffff:10.1.2.3", p));  // v4 CIDRs do not cover v6 addresses
  auto r = Check("ip", "10.66.1.1", p);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("denied by denied_names entry '10.66.0.0/16'"), std::string::npos);
  // CIDR entries never match DNS names, DNS entries never match IPs.
  EXPECT_FALSE(Check("dns", "10.0.0.0", p));
  EXPECT_TRUE(Check("dns", "a.corp.example", p));
}

TEST(CheckNamePolicy, CidrEdgeCases) {
  config::NamePolicy p;
  p.allowed_names = {"0.0.0.0/0"};
  EXPECT_TRUE(Check("ip", "203.0.113.5", p));
  EXPECT_FALSE(Check("ip", "2001:db8::1", p));
  p.allowed_names = {"192.0.2.128/25"};
  EXPECT_TRUE(Check("ip", "192.0.2.200", p));
  EXPECT_FALSE(Check("ip", "192.0.2.127", p));
  p.allowed_names = {"192.0.2.0/33", "bogus/8"};  // invalid entries match nothing
  EXPECT_FALSE(Check("ip", "192.0.2.1", p));
}

}  // namespace
}  // namespace ca::policy
