// signer = "delegated": the responder certificate's profile, verification by a client that trusts
// only the root, rotation, and the rule that it never signs past its own notAfter.
#include "ocsp/delegated_signer.h"

#include <gtest/gtest.h>

#include "ocsp/responder.h"
#include "ocsp_test_util.h"
#include "ossl/x509_build.h"

namespace ca::ocsp {
namespace {

using namespace ::ca::ocsp::test;  // NOLINT

class DelegatedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = storage::OpenSqliteStore(":memory:");
    ASSERT_TRUE(s);
    store_ = std::move(*s);
    ResponderOptions o;
    o.signer = SignerKind::kDelegated;
    auto r = Responder::Create(*ca_.issuer, *store_, clock_, o);
    ASSERT_TRUE(r) << r.error().detail;
    responder_ = std::move(*r);
  }
  std::string StoredSerial(const std::string& name) {
    auto leaf = ca_.Issue(name);
    std::string hex = *ossl::SerialHex(X509_get0_serialNumber(leaf.get()));
    EXPECT_TRUE(store_->InsertCertificate(Record(hex)));
    return hex;
  }
  // SignerOf returns the one certificate an answer carries.
  static ossl::UniquePtr<X509> SignerOf(OCSP_BASICRESP* basic) {
    const STACK_OF(X509)* certs = OCSP_resp_get0_certs(basic);
    EXPECT_EQ(sk_X509_num(certs), 1);
    if (sk_X509_num(certs) != 1) return nullptr;
    X509* c = sk_X509_value(certs, 0);
    X509_up_ref(c);
    return ossl::UniquePtr<X509>(c);
  }

  TestCa ca_ = TestCa::Make();
  ca::testing::FakeClock clock_{WallNow()};
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Responder> responder_;
};

TEST_F(DelegatedTest, AnswerVerifiesAgainstTheRootAndCarriesTheResponderCert) {
  std::string s = StoredSerial("d.test");
  ossl::UniquePtr<OCSP_CERTID> id(CertIdFor(ca_.inter.get(), s));
  Answer a = responder_->Respond(RequestDer({OCSP_CERTID_dup(id.get())}), false);
  ASSERT_EQ(a.status, ResponseStatus::kSuccessful) << a.detail;
  ClientView v = Inspect(a.der, ca_);  // OCSP_basic_verify with the root as the only trust anchor
  ASSERT_TRUE(v.verified);
  EXPECT_EQ(FindStatus(v.basic.get(), id.get()).status, V_OCSP_CERTSTATUS_GOOD);
  auto signer = SignerOf(v.basic.get());
  ASSERT_TRUE(signer);
  // Responder ID by key: the SHA-1 of the responder certificate's key, not the intermediate's.
  const ASN1_OCTET_STRING* key_id = nullptr;
  const X509_NAME* by_name = nullptr;
  ASSERT_EQ(OCSP_resp_get0_id(v.basic.get(), &key_id, &by_name), 1);
  ASSERT_NE(key_id, nullptr);
  unsigned char sha1[20];
  unsigned int len = 0;
  ASSERT_EQ(X509_pubkey_digest(signer.get(), EVP_sha1(), sha1, &len), 1);
  EXPECT_EQ(Bytes(ASN1_STRING_get0_data(key_id), ASN1_STRING_get0_data(key_id) + ASN1_STRING_length(key_id)),
            Bytes(sha1, sha1 + len));
  // Its nextUpdate is inside the responder certificate's life.
  auto not_after = ossl::Asn1TimeToUnix(X509_get0_notAfter(signer.get()));
  ASSERT_TRUE(not_after);
  EXPECT_LE(a.next_update, *not_after);
}

TEST_F(DelegatedTest, ResponderCertificateProfile) {
  std::string s = StoredSerial("p.test");
  Answer a = responder_->Respond(RequestDer({CertIdFor(ca_.inter.get(), s)}), false);
  ClientView v = Inspect(a.der, ca_);
  auto c = SignerOf(v.basic.get());
  ASSERT_TRUE(c);
  EXPECT_EQ(X509_verify(c.get(), X509_get0_pubkey(ca_.inter.get())), 1);  // issued by the intermediate
  EXPECT_EQ(X509_NAME_cmp(X509_get_issuer_name(c.get()), X509_get_subject_name(ca_.inter.get())), 0);
  // EKU: id-kp-OCSPSigning and nothing else.
  EXPECT_EQ(X509_get_extended_key_usage(c.get()), static_cast<uint32_t>(XKU_OCSP_SIGN));
  ossl::UniquePtr<EXTENDED_KEY_USAGE> eku(
      static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(c.get(), NID_ext_key_usage, nullptr, nullptr)));
  ASSERT_TRUE(eku);
  EXPECT_EQ(sk_ASN1_OBJECT_num(eku.get()), 1);
  // keyUsage digitalSignature only, critical.
  EXPECT_EQ(X509_get_key_usage(c.get()), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_EQ(X509_EXTENSION_get_critical(X509_get_ext(c.get(), X509_get_ext_by_NID(c.get(), NID_key_usage, -1))), 1);
  // id-pkix-ocsp-nocheck present, non-critical, extnValue exactly NULL (05 00).
  int nc = X509_get_ext_by_NID(c.get(), NID_id_pkix_OCSP_noCheck, -1);
  ASSERT_GE(nc, 0);
  X509_EXTENSION* ext = X509_get_ext(c.get(), nc);
  EXPECT_EQ(X509_EXTENSION_get_critical(ext), 0);
  const ASN1_OCTET_STRING* val = X509_EXTENSION_get_data(ext);
  EXPECT_EQ(Bytes(ASN1_STRING_get0_data(val), ASN1_STRING_get0_data(val) + ASN1_STRING_length(val)),
            (Bytes{0x05, 0x00}));
  EXPECT_EQ(X509_check_ca(c.get()), 0);
  EXPECT_LT(X509_get_ext_by_NID(c.get(), NID_subject_alt_name, -1), 0);
  EXPECT_LT(X509_get_ext_by_NID(c.get(), NID_crl_distribution_points, -1), 0);
  EXPECT_LT(X509_get_ext_by_NID(c.get(), NID_info_access, -1), 0);
  EXPECT_NE(X509_get0_authority_key_id(c.get()), nullptr);
  EXPECT_NE(X509_get0_subject_key_id(c.get()), nullptr);
  // Short-lived: 7 days from an hour back.
  auto nb = ossl::Asn1TimeToUnix(X509_get0_notBefore(c.get()));
  auto na = ossl::Asn1TimeToUnix(X509_get0_notAfter(c.get()));
  ASSERT_TRUE(nb && na);
  EXPECT_EQ(*na - *nb, 7 * 24 * 3600 + 3600);
  EXPECT_LE(*nb, clock_.Now());
}

TEST_F(DelegatedTest, RotatedBeforeItCannotCoverAnAnswer) {
  std::string s = StoredSerial("rot.test");
  Answer first = responder_->Respond(RequestDer({CertIdFor(ca_.inter.get(), s)}), false);
  auto c1 = SignerOf(Inspect(first.der, ca_).basic.get());
  EXPECT_EQ(responder_->stats().signer_rotations, 1u);
  // 7 days on: less than 4h + 1h of the first certificate is left, so a new one signs.
  clock_.Advance(7 * 24 * 3600 - 3 * 3600);
  Answer later = responder_->Respond(RequestDer({CertIdFor(ca_.inter.get(), s)}), false);
  ASSERT_EQ(later.status, ResponseStatus::kSuccessful);
  EXPECT_EQ(responder_->stats().signer_rotations, 2u);
  const unsigned char* p = later.der.data();
  ossl::UniquePtr<OCSP_RESPONSE> resp(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(later.der.size())));
  ossl::UniquePtr<OCSP_BASICRESP> basic(OCSP_response_get1_basic(resp.get()));
  auto c2 = SignerOf(basic.get());
  ASSERT_TRUE(c1 && c2);
  EXPECT_NE(X509_cmp(c1.get(), c2.get()), 0);
  auto na2 = ossl::Asn1TimeToUnix(X509_get0_notAfter(c2.get()));
  EXPECT_LE(later.next_update, *na2);
  EXPECT_EQ(later.next_update - later.this_update, 4 * 3600);
}

TEST(DelegatedSignerTest, RefusesAnAnswerEndingAfterItself) {
  TestCa ca = TestCa::Make();
  ca::testing::FakeClock clock{WallNow()};
  auto d = DelegatedSigner::Create(*ca.issuer, clock, DelegatedLifetime(3600), 3600);
  ASSERT_TRUE(d) << d.error().detail;
  auto cred = (*d)->Current(clock.Now());
  ASSERT_TRUE(cred);
  ossl::UniquePtr<OCSP_BASICRESP> basic(OCSP_BASICRESP_new());
  auto r = DelegatedSigner::Sign(**cred, basic.get(), clock.Now(), (*cred)->not_after + 1);
  EXPECT_FALSE(r);
  EXPECT_TRUE(DelegatedSigner::Sign(**cred, basic.get(), clock.Now(), (*cred)->not_after));
}

TEST(DelegatedSignerTest, LifetimeGrowsWithLongAnswerValidity) {
  EXPECT_EQ(DelegatedLifetime(4 * 3600), 7u * 24 * 3600);
  EXPECT_EQ(DelegatedLifetime(7 * 24 * 3600), 14u * 24 * 3600 + 2 * 3600);
}

}  // namespace
}  // namespace ca::ocsp
