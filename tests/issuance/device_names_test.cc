// Device identifiers become SAN otherNames (draft-ietf-acme-device-attest-09 §3): checked by decoding
// the issued certificate with OpenSSL and comparing the exact DER of each otherName value.
#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include "common/bytes.h"
#include "issuance/ca_init.h"
#include "issuance/issuer.h"
#include "ossl/pem.h"
#include "ossl/types.h"
#include "support/csr_builder.h"

namespace ca::issuance {
namespace {

struct OtherName {
  std::string oid;
  std::string value_hex;
};

std::vector<OtherName> OtherNames(X509* cert) {
  std::vector<OtherName> out;
  ossl::UniquePtr<GENERAL_NAMES> sans(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans.get()); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans.get(), i);
    if (gn->type != GEN_OTHERNAME) continue;
    char oid[80];
    OBJ_obj2txt(oid, sizeof oid, gn->d.otherName->type_id, 1);
    const ASN1_TYPE* v = gn->d.otherName->value;
    EXPECT_EQ(v->type, V_ASN1_SEQUENCE);
    const ASN1_STRING* seq = v->value.sequence;
    out.push_back({oid, Hex(ByteView(ASN1_STRING_get0_data(seq), static_cast<size_t>(ASN1_STRING_length(seq))))});
  }
  return out;
}

TEST(DeviceNames, PermanentIdentifierAndHardwareModule) {
  SystemRng rng;
  UnixTime now = SystemClock().Now();
  auto m = CreateCa({}, rng, now - 3600);
  ASSERT_TRUE(m);
  auto issuer = Issuer::Load(m->intermediate_cert_pem, m->intermediate_key_pem, "", m->root_cert_pem);
  ASSERT_TRUE(issuer);
  auto key = testing::MakeEcKey("P-256");
  IssueRequest req;
  req.public_key = key.get();
  req.identifiers = {{"permanent-identifier", "C02XK1ABCDEF"},
                     {"permanent-identifier", "UDID-1/1.2.3.4"},
                     {"hardware-module", "12345678/1.3.6.1.4.1.41482.3"}};
  req.not_before = now - 60;
  req.not_after = now + 3600;
  req.server_auth = false;
  auto token = (*issuer)->Prepare(req, rng);
  ASSERT_TRUE(token) << token.error().detail;
  auto issued = (*issuer)->Issue(std::move(*token));
  ASSERT_TRUE(issued) << issued.error().detail;
  auto cert = ossl::CertFromDer(issued->der);
  ASSERT_TRUE(cert);
  auto names = OtherNames(cert->get());
  ASSERT_EQ(names.size(), 3u);
  // SEQUENCE { UTF8String "C02XK1ABCDEF" }
  EXPECT_EQ(names[0].oid, "1.3.6.1.5.5.7.8.3");
  EXPECT_EQ(names[0].value_hex, "300e0c0c" + Hex(AsBytes("C02XK1ABCDEF")));
  // SEQUENCE { UTF8String "UDID-1", OBJECT IDENTIFIER 1.2.3.4 }
  EXPECT_EQ(names[1].value_hex, "300d0c06" + Hex(AsBytes("UDID-1")) + "06032a0304");
  // SEQUENCE { OBJECT IDENTIFIER 1.3.6.1.4.1.41482.3, OCTET STRING "12345678" }
  EXPECT_EQ(names[2].oid, "1.3.6.1.5.5.7.8.4");
  EXPECT_EQ(names[2].value_hex, "301506092b0601040182c40a03" "0408" + Hex(AsBytes("12345678")));
  EXPECT_EQ(X509_get_extended_key_usage(cert->get()), static_cast<uint32_t>(XKU_SSL_CLIENT));
}

struct Fixture {
  SystemRng rng;
  UnixTime now = SystemClock().Now();
  std::unique_ptr<Issuer> issuer;
  ossl::UniquePtr<EVP_PKEY> key = testing::MakeEcKey("P-256");

  Fixture() {
    auto m = CreateCa({}, rng, now - 3600);
    EXPECT_TRUE(m);
    auto loaded = Issuer::Load(m->intermediate_cert_pem, m->intermediate_key_pem, "", m->root_cert_pem);
    EXPECT_TRUE(loaded);
    issuer = std::move(*loaded);
  }
  IssueRequest Device() {
    IssueRequest req;
    req.public_key = key.get();
    req.identifiers = {{"permanent-identifier", "C02XK1ABCDEF"}};
    req.not_before = now - 60;
    req.not_after = now + 3600;
    req.server_auth = false;
    return req;
  }
};

TEST(DeviceNames, TemplateSubjectAndExtraSans) {
  Fixture f;
  IssueRequest req = f.Device();
  req.device_subject = {{"CN", "Jane's MacBook"}, {"O", "Example Corp"}};
  req.device_extra_sans = {{"email", "jane@example.com"}, {"uri", "urn:x:1"}, {"upn", "jane@corp.example"}};
  auto token = f.issuer->Prepare(req, f.rng);
  ASSERT_TRUE(token) << token.error().detail;
  auto issued = f.issuer->Issue(std::move(*token));
  ASSERT_TRUE(issued) << issued.error().detail;
  auto cert = ossl::CertFromDer(issued->der);
  ASSERT_TRUE(cert);
  char subject[256];
  X509_NAME_oneline(X509_get_subject_name(cert->get()), subject, sizeof subject);
  EXPECT_STREQ(subject, "/CN=Jane's MacBook/O=Example Corp");
  int crit = -1;
  ossl::UniquePtr<GENERAL_NAMES> sans(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert->get(), NID_subject_alt_name, &crit, nullptr)));
  ASSERT_TRUE(sans);
  EXPECT_EQ(crit, 0);  // a subject is present: the SAN is not critical
  ASSERT_EQ(sk_GENERAL_NAME_num(sans.get()), 4);
  EXPECT_EQ(sk_GENERAL_NAME_value(sans.get(), 0)->type, GEN_OTHERNAME);  // the attested identifier first
  const GENERAL_NAME* email = sk_GENERAL_NAME_value(sans.get(), 1);
  ASSERT_EQ(email->type, GEN_EMAIL);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(email->d.rfc822Name))),
            "jane@example.com");
  EXPECT_EQ(sk_GENERAL_NAME_value(sans.get(), 2)->type, GEN_URI);
  const GENERAL_NAME* upn = sk_GENERAL_NAME_value(sans.get(), 3);
  ASSERT_EQ(upn->type, GEN_OTHERNAME);
  char oid[64];
  OBJ_obj2txt(oid, sizeof oid, upn->d.otherName->type_id, 1);
  EXPECT_STREQ(oid, "1.3.6.1.4.1.311.20.2.3");
  ASSERT_EQ(upn->d.otherName->value->type, V_ASN1_UTF8STRING);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(upn->d.otherName->value->value.utf8string))),
            "jane@corp.example");
}

TEST(DeviceNames, EmptySubjectKeepsTheSanCritical) {
  Fixture f;
  auto token = f.issuer->Prepare(f.Device(), f.rng);
  ASSERT_TRUE(token) << token.error().detail;
  auto issued = f.issuer->Issue(std::move(*token));
  ASSERT_TRUE(issued);
  auto cert = ossl::CertFromDer(issued->der);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_NAME_entry_count(X509_get_subject_name(cert->get())), 0);
  int crit = -1;
  ossl::UniquePtr<GENERAL_NAMES> sans(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert->get(), NID_subject_alt_name, &crit, nullptr)));
  EXPECT_EQ(crit, 1);
}

TEST(DeviceNames, LintRefusesTemplateNamesOutsideDeviceCertificates) {
  Fixture f;
  IssueRequest dns = f.Device();
  dns.identifiers = {{"dns", "a.example"}};
  dns.device_subject = {{"CN", "x"}};
  auto t1 = f.issuer->Prepare(dns, f.rng);
  ASSERT_FALSE(t1);
  EXPECT_EQ(t1.error().detail, "lint: template names on a certificate that is not a device certificate");
  IssueRequest bad = f.Device();
  bad.device_subject = {{"CN", "a\nb"}};
  auto t2 = f.issuer->Prepare(bad, f.rng);
  ASSERT_FALSE(t2);
  EXPECT_EQ(t2.error().detail, "lint: bad device subject attribute CN");
  IssueRequest kind = f.Device();
  kind.device_extra_sans = {{"dns", "a.example"}};
  auto t3 = f.issuer->Prepare(kind, f.rng);
  ASSERT_FALSE(t3);
  EXPECT_EQ(t3.error().detail, "lint: bad extra SAN dns");
}

}  // namespace
}  // namespace ca::issuance
