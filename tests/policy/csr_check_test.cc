#include "policy/csr_check.h"

#include <gtest/gtest.h>

#include "ossl/types.h"
#include "support/csr_builder.h"

namespace ca::policy {
namespace {

using core::Identifier;
using ::ca::testing::CsrOptions;
using ::ca::testing::MakeCsrDer;
using ::ca::testing::MakeEcKey;
using ::ca::testing::MakeEd25519Key;
using ::ca::testing::MakeRsaKey;

CsrOptions Names(std::vector<std::string> dns, std::vector<std::string> ips = {}) {
  CsrOptions o;
  o.dns_names = std::move(dns);
  o.ip_addresses = std::move(ips);
  return o;
}

TEST(CheckKey, Rsa) {
  auto small = CheckKey(MakeRsaKey(1024).get());
  ASSERT_FALSE(small);
  EXPECT_EQ(small.error().code, Errc::kBadPublicKey);
  EXPECT_EQ(small.error().detail, "RSA key of 1024 bits is too small (minimum 2048)");
  EXPECT_TRUE(CheckKey(MakeRsaKey(2048).get()));
}

TEST(CheckKey, EcCurves) {
  for (const char* ok : {"P-256", "P-384", "P-521"}) EXPECT_TRUE(CheckKey(MakeEcKey(ok).get())) << ok;
  auto k1 = CheckKey(MakeEcKey("secp256k1").get());
  ASSERT_FALSE(k1);
  EXPECT_EQ(k1.error().code, Errc::kBadPublicKey);
  EXPECT_NE(k1.error().detail.find("secp256k1"), std::string::npos);
  EXPECT_FALSE(CheckKey(MakeEcKey("P-224").get()));
}

TEST(CheckKey, EdwardsAndOthers) {
  EXPECT_TRUE(CheckKey(MakeEd25519Key().get()));
  ossl::UniquePtr<EVP_PKEY> ed448(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED448"));
  ASSERT_TRUE(ed448);
  auto r = CheckKey(ed448.get());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kBadPublicKey);
  EXPECT_FALSE(CheckKey(nullptr));
}

TEST(ParseCsr, KeyTypes) {
  struct Case {
    const char* name;
    ossl::UniquePtr<EVP_PKEY> key;
    std::optional<Errc> err;
  };
  std::vector<Case> cases;
  cases.push_back({"rsa-1024", MakeRsaKey(1024), Errc::kBadPublicKey});
  cases.push_back({"rsa-2048", MakeRsaKey(2048), std::nullopt});
  cases.push_back({"p-256", MakeEcKey("P-256"), std::nullopt});
  cases.push_back({"p-384", MakeEcKey("P-384"), std::nullopt});
  cases.push_back({"p-521", MakeEcKey("P-521"), std::nullopt});
  cases.push_back({"secp256k1", MakeEcKey("secp256k1"), Errc::kBadPublicKey});
  cases.push_back({"ed25519", MakeEd25519Key(), std::nullopt});
  for (auto& c : cases) {
    auto r = ParseCsr(MakeCsrDer(c.key.get(), Names({"a.example"})));
    if (c.err) {
      ASSERT_FALSE(r) << c.name;
      EXPECT_EQ(r.error().code, *c.err) << c.name;
    } else {
      ASSERT_TRUE(r) << c.name << ": " << r.error().detail;
      EXPECT_EQ(r->names, (std::vector<Identifier>{{"dns", "a.example"}})) << c.name;
      EXPECT_EQ(EVP_PKEY_eq(r->key.get(), c.key.get()), 1) << c.name;
      EXPECT_TRUE(r->subject && r->spki);
    }
  }
}

TEST(ParseCsr, BadSignature) {
  std::vector<ossl::UniquePtr<EVP_PKEY>> keys;
  keys.push_back(MakeEcKey("P-256"));
  keys.push_back(MakeRsaKey(2048));
  keys.push_back(MakeEd25519Key());
  for (const auto& key : keys) {
    Bytes der = MakeCsrDer(key.get(), Names({"a.example"}));
    ASSERT_TRUE(ParseCsr(der));
    auto r = ParseCsr(::ca::testing::CorruptSignature(der));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::kBadCsr);
    EXPECT_EQ(r.error().detail, "CSR signature does not verify");
  }
}

TEST(ParseCsr, Sha1SignatureRefused) {
  auto key = MakeRsaKey(2048);
  CsrOptions o = Names({"a.example"});
  o.digest = "SHA1";
  auto r = ParseCsr(MakeCsrDer(key.get(), o));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kBadCsr);
}

TEST(ParseCsr, TrailingBytesAndGarbage) {
  auto key = MakeEcKey("P-256");
  Bytes der = MakeCsrDer(key.get(), Names({"a.example"}));
  der.push_back(0);
  auto r = ParseCsr(der);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kBadCsr);
  EXPECT_NE(r.error().detail.find("trailing"), std::string::npos);

  for (const Bytes& junk : {Bytes{}, Bytes{0x30, 0x03, 0x02, 0x01, 0x00}, Bytes(der.begin(), der.end() - 10)}) {
    auto j = ParseCsr(junk);
    ASSERT_FALSE(j);
    EXPECT_EQ(j.error().code, Errc::kBadCsr);
  }
}

TEST(ParseCsr, NamesFromSansAndCommonName) {
  auto key = MakeEcKey("P-256");
  CsrOptions o = Names({"A.Example", "b.example", "a.example"}, {"192.0.2.1", "2001:DB8::1"});
  o.common_name = "B.example";
  auto r = ParseCsr(MakeCsrDer(key.get(), o));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->names, (std::vector<Identifier>{
                          {"dns", "a.example"}, {"dns", "b.example"}, {"ip", "192.0.2.1"}, {"ip", "2001:db8::1"}}));
  EXPECT_EQ(r->common_name, "b.example");
}

TEST(ParseCsr, CommonNameOnly) {
  auto key = MakeEcKey("P-256");
  CsrOptions o;
  o.common_name = "Host.Example";
  auto r = ParseCsr(MakeCsrDer(key.get(), o));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->names, (std::vector<Identifier>{{"dns", "host.example"}}));
  EXPECT_EQ(r->common_name, "host.example");

  o.common_name = "192.0.2.9";
  r = ParseCsr(MakeCsrDer(key.get(), o));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->names, (std::vector<Identifier>{{"ip", "192.0.2.9"}}));

  o.common_name = "not a name";
  r = ParseCsr(MakeCsrDer(key.get(), o));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kBadCsr);

  o.common_name = std::string(65, 'a');
  r = ParseCsr(MakeCsrDer(key.get(), o));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kBadCsr);
}

TEST(ParseCsr, NoNamesRefused) {
  auto key = MakeEcKey("P-256");
  auto r = ParseCsr(MakeCsrDer(key.get(), CsrOptions{}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kBadCsr);
}

TEST(ParseCsr, OtherSanTypesRefused) {
  auto key = MakeEcKey("P-256");
  CsrOptions email = Names({"a.example"});
  email.emails = {"root@a.example"};
  auto r = ParseCsr(MakeCsrDer(key.get(), email));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kBadCsr);
  EXPECT_NE(r.error().detail.find("email"), std::string::npos) << r.error().detail;

  CsrOptions uri = Names({"a.example"});
  uri.uris = {"https://a.example/"};
  r = ParseCsr(MakeCsrDer(key.get(), uri));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kBadCsr);
  EXPECT_NE(r.error().detail.find("URI"), std::string::npos) << r.error().detail;
}

TEST(ParseCsr, InvalidDnsSanRefused) {
  auto key = MakeEcKey("P-256");
  for (const char* bad : {"a..example", "-a.example", "a.*.example", "trailing.example."}) {
    auto r = ParseCsr(MakeCsrDer(key.get(), Names({bad})));
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::kBadCsr) << bad;
  }
  EXPECT_TRUE(ParseCsr(MakeCsrDer(key.get(), Names({"*.example.com"}))));
}

TEST(CheckCsrNames, SetComparison) {
  auto key = MakeEcKey("P-256");
  CsrOptions o = Names({"a.example", "b.example", "a.example"}, {"2001:db8::1"});
  o.common_name = "a.example";
  auto csr = ParseCsr(MakeCsrDer(key.get(), o));
  ASSERT_TRUE(csr) << csr.error().detail;
  EXPECT_TRUE(CheckCsrNames(*csr, {{"dns", "b.example"}, {"ip", "2001:DB8::1"}, {"dns", "A.example"}}));
  EXPECT_TRUE(CheckCsrNames(
      *csr, {{"dns", "b.example"}, {"ip", "2001:db8:0::1"}, {"dns", "a.example"}, {"dns", "a.example"}}));

  auto missing = CheckCsrNames(*csr, {{"dns", "a.example"}, {"dns", "b.example"}, {"dns", "c.example"},
                                      {"ip", "2001:db8::1"}});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::kBadCsr);
  EXPECT_EQ(missing.error().detail, "CSR does not contain name \"c.example\" from the order");

  // ip and dns with the same text are different identifiers.
  EXPECT_FALSE(CheckCsrNames(*csr, {{"dns", "a.example"}, {"dns", "b.example"}, {"dns", "2001:db8::1"}}));
}

TEST(CheckCsrNames, ExtraName) {
  auto key = MakeEcKey("P-256");
  auto csr = ParseCsr(MakeCsrDer(key.get(), Names({"good.test", "evil.test"})));
  ASSERT_TRUE(csr);
  auto r = CheckCsrNames(*csr, {{"dns", "good.test"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kBadCsr);
  EXPECT_EQ(r.error().detail, "CSR contains name \"evil.test\" that is not in the order");

  auto csr2 = ParseCsr(MakeCsrDer(key.get(), Names({"good.test", "evil.test", "worse.test"})));
  ASSERT_TRUE(csr2);
  r = CheckCsrNames(*csr2, {{"dns", "good.test"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail, "CSR contains names \"evil.test\", \"worse.test\" that are not in the order");
}

}  // namespace
}  // namespace ca::policy
