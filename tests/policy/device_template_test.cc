// The device certificate template keeps only what the provisioner lists of a device CSR.
#include "policy/device_template.h"

#include <gtest/gtest.h>

#include "support/csr_builder.h"

namespace ca::policy {
namespace {

ParsedCsr Csr(const testing::CsrOptions& opts) {
  auto key = testing::MakeEcKey("P-256");
  auto csr = ParseCsrForDevice(testing::MakeCsrDer(key.get(), opts));
  EXPECT_TRUE(csr) << csr.error().detail;
  return std::move(*csr);
}

testing::CsrOptions AppleLike() {
  testing::CsrOptions o;
  o.common_name = "Jane's MacBook";
  o.subject = {{"O", "Example Corp"}, {"OU", "IT"}, {"C", "FR"}};
  o.emails = {"jane@example.com"};
  o.uris = {"urn:uuid:6f1c0d4e-7d1b-4c1a-9a64-3c2f1b0e9a11"};
  o.upns = {"jane@corp.example"};
  o.dns_names = {"jane-mbp.example.com"};
  return o;
}

TEST(DeviceTemplate, DefaultKeepsCommonNameAndClientAuthOnly) {
  auto names = DeviceCertificateNames(Csr(AppleLike()), config::CertificateTemplate{});
  ASSERT_TRUE(names) << names.error().detail;
  ASSERT_EQ(names->subject.size(), 1u);
  EXPECT_EQ(names->subject[0], (std::pair<std::string, std::string>{"CN", "Jane's MacBook"}));
  EXPECT_TRUE(names->sans.empty());  // nothing of the SAN is attested: dropped unless listed
  EXPECT_TRUE(names->client_auth);
  EXPECT_FALSE(names->server_auth);
}

TEST(DeviceTemplate, KeepsListedAttributesAndSanKindsInCsrOrder) {
  config::CertificateTemplate t;
  t.keep_subject = {"C", "O", "CN"};
  t.keep_sans = {"upn", "email"};
  t.extended_key_usage = {"serverAuth", "clientAuth"};
  auto names = DeviceCertificateNames(Csr(AppleLike()), t);
  ASSERT_TRUE(names) << names.error().detail;
  std::vector<std::pair<std::string, std::string>> want_subject = {
      {"CN", "Jane's MacBook"}, {"O", "Example Corp"}, {"C", "FR"}};
  EXPECT_EQ(names->subject, want_subject);
  std::vector<ExtraSan> want_sans = {{"email", "jane@example.com"}, {"upn", "jane@corp.example"}};
  EXPECT_EQ(names->sans, want_sans);  // the URI and the DNS name are dropped
  EXPECT_TRUE(names->server_auth);
  EXPECT_TRUE(names->client_auth);
}

TEST(DeviceTemplate, EmptyKeepListsGiveAnEmptySubject) {
  config::CertificateTemplate t;
  t.keep_subject = {};
  auto names = DeviceCertificateNames(Csr(AppleLike()), t);
  ASSERT_TRUE(names);
  EXPECT_TRUE(names->subject.empty());
  EXPECT_TRUE(names->sans.empty());
}

TEST(DeviceTemplate, RefusesMalformedKeptValuesNamingThem) {
  config::CertificateTemplate t;
  t.keep_subject = {"CN", "C"};
  t.keep_sans = {"email", "uri", "upn"};
  struct Case {
    const char* name;
    testing::CsrOptions opts;
    const char* detail;
  };
  std::vector<Case> cases;
  cases.push_back({"CN too long", {}, "CSR subject CN"});
  cases.back().opts.common_name = std::string(65, 'a');
  cases.push_back({"CN with a control character", {}, "CSR subject CN \"a\\x0ab\" is not allowed"});
  cases.back().opts.common_name = "a\nb";
  cases.push_back({"C of three letters", {}, "CSR subject C \"FRA\""});
  cases.back().opts.subject = {{"C", "FRA"}};
  cases.push_back({"email without @", {}, "CSR email address \"jane.example.com\" is malformed"});
  cases.back().opts.emails = {"jane.example.com"};
  cases.push_back({"URI without scheme", {}, "CSR URI \"no-scheme\" is malformed"});
  cases.back().opts.uris = {"no-scheme"};
  cases.push_back({"UPN with a NUL", {}, "CSR UPN"});
  cases.back().opts.upns = {std::string("a\0b", 3)};
  for (const auto& c : cases) {
    auto names = DeviceCertificateNames(Csr(c.opts), t);
    ASSERT_FALSE(names) << c.name;
    EXPECT_EQ(names.error().code, Errc::kBadCsr) << c.name;
    EXPECT_NE(names.error().detail.find(c.detail), std::string::npos) << c.name << ": " << names.error().detail;
  }
}

TEST(DeviceTemplate, MalformedValuesOfDroppedKindsDoNotMatter) {
  testing::CsrOptions o;
  o.emails = {"not an email"};
  o.common_name = std::string(80, 'x');
  config::CertificateTemplate t;
  t.keep_subject = {"O"};
  auto names = DeviceCertificateNames(Csr(o), t);
  ASSERT_TRUE(names) << names.error().detail;
  EXPECT_TRUE(names->subject.empty());
}

}  // namespace
}  // namespace ca::policy
