#include "ocsp/responder.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "ocsp_test_util.h"
#include "ossl/pem.h"
#include "ossl/x509_build.h"

namespace ca::ocsp {
namespace {

using namespace ::ca::ocsp::test;  // NOLINT

const Bytes kUnauthorized = {0x30, 0x03, 0x0a, 0x01, 0x06};
const Bytes kMalformed = {0x30, 0x03, 0x0a, 0x01, 0x01};

class ResponderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = storage::OpenSqliteStore(":memory:");
    ASSERT_TRUE(s);
    store_ = std::move(*s);
    MakeResponder(ResponderOptions{});
  }
  void MakeResponder(ResponderOptions opts) {
    auto r = Responder::Create(*ca_.issuer, *store_, clock_, opts);
    ASSERT_TRUE(r) << r.error().detail;
    responder_ = std::move(*r);
  }
  // Stored issues a real leaf, stores it and returns it with its serial.
  ossl::UniquePtr<X509> Stored(const std::string& name, std::string* serial_hex = nullptr) {
    auto leaf = ca_.Issue(name);
    std::string hex = *ossl::SerialHex(X509_get0_serialNumber(leaf.get()));
    EXPECT_TRUE(store_->InsertCertificate(Record(hex)));
    if (serial_hex != nullptr) *serial_hex = hex;
    return leaf;
  }

  TestCa ca_ = TestCa::Make();
  ca::testing::FakeClock clock_{WallNow()};
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Responder> responder_;
};

TEST_F(ResponderTest, GoodAnswerIsSignedByTheIntermediateWithKeyIdAndNoCerts) {
  auto leaf = Stored("good.test");
  ossl::UniquePtr<OCSP_CERTID> id(OCSP_cert_to_id(nullptr, leaf.get(), ca_.inter.get()));
  Answer a = responder_->Respond(RequestDer({OCSP_CERTID_dup(id.get())}), true);
  ASSERT_EQ(a.status, ResponseStatus::kSuccessful) << a.detail;
  ClientView v = Inspect(a.der, ca_);
  ASSERT_EQ(v.response_status, OCSP_RESPONSE_STATUS_SUCCESSFUL);
  EXPECT_TRUE(v.verified);
  Found f = FindStatus(v.basic.get(), id.get());
  EXPECT_EQ(f.status, V_OCSP_CERTSTATUS_GOOD);
  const UnixTime now = clock_.Now();
  EXPECT_EQ(f.this_update, now - now % 60);
  EXPECT_EQ(f.next_update, f.this_update + 4 * 3600);
  EXPECT_EQ(a.this_update, f.this_update);
  EXPECT_EQ(a.next_update, f.next_update);
  EXPECT_EQ(ToUnix(OCSP_resp_get0_produced_at(v.basic.get())), now);
  // Responder ID by key: the SHA-1 of the intermediate's public key bits (RFC 6960 §4.2.1).
  const ASN1_OCTET_STRING* key_id = nullptr;
  const X509_NAME* by_name = nullptr;
  ASSERT_EQ(OCSP_resp_get0_id(v.basic.get(), &key_id, &by_name), 1);
  ASSERT_NE(key_id, nullptr);
  EXPECT_EQ(by_name, nullptr);
  unsigned char sha1[20];
  unsigned int len = 0;
  ASSERT_EQ(X509_pubkey_digest(ca_.inter.get(), EVP_sha1(), sha1, &len), 1);
  EXPECT_EQ(Bytes(ASN1_STRING_get0_data(key_id), ASN1_STRING_get0_data(key_id) + ASN1_STRING_length(key_id)),
            Bytes(sha1, sha1 + len));
  EXPECT_LE(sk_X509_num(OCSP_resp_get0_certs(v.basic.get())), 0);  // absent (-1) or empty
  EXPECT_EQ(OCSP_BASICRESP_get_ext_count(v.basic.get()), 0);  // no nonce, no extensions
  EXPECT_EQ(a.etag.front(), '"');
}

TEST_F(ResponderTest, NextUpdateFollowsTheConfiguredValidity) {
  MakeResponder(ResponderOptions{3600, false});
  std::string serial;
  Stored("v.test", &serial);
  Answer a = responder_->Respond(RequestDer({CertIdFor(ca_.inter.get(), serial)}), true);
  ASSERT_EQ(a.status, ResponseStatus::kSuccessful);
  EXPECT_EQ(a.next_update - a.this_update, 3600);
}

TEST_F(ResponderTest, RevokedCarriesTimeAndReason) {
  std::string serial;
  Stored("revoked.test", &serial);
  ASSERT_TRUE(store_->RevokeCertificate("cert-" + serial, 1, clock_.Now() - 100));  // keyCompromise
  ossl::UniquePtr<OCSP_CERTID> id(CertIdFor(ca_.inter.get(), serial));
  Answer a = responder_->Respond(RequestDer({OCSP_CERTID_dup(id.get())}), true);
  ClientView v = Inspect(a.der, ca_);
  ASSERT_TRUE(v.verified);
  Found f = FindStatus(v.basic.get(), id.get());
  EXPECT_EQ(f.status, V_OCSP_CERTSTATUS_REVOKED);
  EXPECT_EQ(f.reason, OCSP_REVOKED_STATUS_KEYCOMPROMISE);
  EXPECT_EQ(f.revoked_at, clock_.Now() - 100);
}

TEST_F(ResponderTest, RevokedUnspecifiedLeavesTheReasonOut) {
  std::string serial;
  Stored("unspecified.test", &serial);
  ASSERT_TRUE(store_->RevokeCertificate("cert-" + serial, 0, clock_.Now()));
  ossl::UniquePtr<OCSP_CERTID> id(CertIdFor(ca_.inter.get(), serial));
  ClientView v = Inspect(responder_->Respond(RequestDer({OCSP_CERTID_dup(id.get())}), true).der, ca_);
  Found f = FindStatus(v.basic.get(), id.get());
  EXPECT_EQ(f.status, V_OCSP_CERTSTATUS_REVOKED);
  EXPECT_EQ(f.reason, OCSP_REVOKED_STATUS_NOSTATUS);
}

TEST_F(ResponderTest, RevocationShowsInTheNextAnswer) {
  std::string serial;
  Stored("flip.test", &serial);
  ossl::UniquePtr<OCSP_CERTID> id(CertIdFor(ca_.inter.get(), serial));
  Answer before = responder_->Respond(RequestDer({OCSP_CERTID_dup(id.get())}), false);
  EXPECT_EQ(FindStatus(Inspect(before.der, ca_).basic.get(), id.get()).status, V_OCSP_CERTSTATUS_GOOD);
  ASSERT_TRUE(store_->RevokeCertificate("cert-" + serial, 4, clock_.Now()));
  Answer after = responder_->Respond(RequestDer({OCSP_CERTID_dup(id.get())}), false);
  EXPECT_EQ(FindStatus(Inspect(after.der, ca_).basic.get(), id.get()).status, V_OCSP_CERTSTATUS_REVOKED);
  EXPECT_NE(before.etag, after.etag);  // a cache holding "good" must not get a 304
}

TEST_F(ResponderTest, CachedAnswerKeepsItsBytesAndAStrongEtag) {
  std::string serial;
  Stored("etag.test", &serial);
  Answer a = responder_->Respond(RequestDer({CertIdFor(ca_.inter.get(), serial)}), false);
  clock_.Advance(30 * 60);
  Answer b = responder_->Respond(RequestDer({CertIdFor(ca_.inter.get(), serial)}), false);
  EXPECT_EQ(a.der, b.der);  // served from the cache: the same bytes
  EXPECT_EQ(a.etag, b.etag);
  ASSERT_EQ(a.etag.front(), '"');  // strong: it names the bytes
  EXPECT_EQ(a.etag, "\"" + Hex(ossl::Sha256(a.der)).substr(0, 32) + "\"");
}

TEST_F(ResponderTest, SeveralCertIdAnswersKeepAWeakEtagOverWhatTheySay) {
  std::string s1, s2;
  Stored("w1.test", &s1);
  Stored("w2.test", &s2);
  clock_.Advance(60 - clock_.Now() % 60);  // the start of a minute
  Answer a = responder_->Respond(RequestDer({CertIdFor(ca_.inter.get(), s1), CertIdFor(ca_.inter.get(), s2)}), false);
  clock_.Advance(30);
  Answer b = responder_->Respond(RequestDer({CertIdFor(ca_.inter.get(), s1), CertIdFor(ca_.inter.get(), s2)}), false);
  EXPECT_NE(a.der, b.der);  // live-signed: producedAt and the ECDSA signature differ
  EXPECT_EQ(a.etag, b.etag);
  EXPECT_EQ(a.etag.substr(0, 3), "W/\"");
}

TEST_F(ResponderTest, Sha256CertIdIsAnsweredInSha256) {
  std::string serial;
  Stored("sha256.test", &serial);
  ossl::UniquePtr<OCSP_CERTID> id256(CertIdFor(ca_.inter.get(), serial, EVP_sha256()));
  ossl::UniquePtr<OCSP_CERTID> id1(CertIdFor(ca_.inter.get(), serial, EVP_sha1()));
  Answer a = responder_->Respond(RequestDer({OCSP_CERTID_dup(id256.get())}), true);
  ClientView v = Inspect(a.der, ca_);
  ASSERT_TRUE(v.verified);
  EXPECT_EQ(FindStatus(v.basic.get(), id256.get()).status, V_OCSP_CERTSTATUS_GOOD);
  EXPECT_EQ(FindStatus(v.basic.get(), id1.get()).status, -1);  // the CertID is echoed, not rebuilt in SHA-1
}

TEST_F(ResponderTest, UnknownSerialIsUnauthorizedAndUnsigned) {
  Stored("known.test");
  Answer a = responder_->Respond(RequestDer({CertIdFor(ca_.inter.get(), "1234")}), true);
  EXPECT_EQ(a.status, ResponseStatus::kUnauthorized);
  EXPECT_EQ(a.der, kUnauthorized);
}

TEST_F(ResponderTest, ForeignIssuerIsUnauthorizedEvenForAStoredSerial) {
  std::string serial;
  Stored("mine.test", &serial);
  TestCa other = TestCa::Make("other");
  Answer a = responder_->Respond(RequestDer({CertIdFor(other.inter.get(), serial)}), true);
  EXPECT_EQ(a.der, kUnauthorized);
  // Same name, other key: the key hash must match too.
  Answer b = responder_->Respond(RequestDer({CertIdFor(TestCa::Make("ocsp-test").inter.get(), serial)}), true);
  EXPECT_EQ(b.der, kUnauthorized);
}

TEST_F(ResponderTest, UnsupportedHashIsUnauthorized) {
  std::string serial;
  Stored("sha384.test", &serial);
  Answer a = responder_->Respond(RequestDer({CertIdFor(ca_.inter.get(), serial, EVP_sha384())}), true);
  EXPECT_EQ(a.der, kUnauthorized);
}

TEST_F(ResponderTest, SeveralCertIdsAreAnsweredEach) {
  std::string s1, s2;
  Stored("one.test", &s1);
  Stored("two.test", &s2);
  ASSERT_TRUE(store_->RevokeCertificate("cert-" + s2, 5, clock_.Now()));
  ossl::UniquePtr<OCSP_CERTID> id1(CertIdFor(ca_.inter.get(), s1));
  ossl::UniquePtr<OCSP_CERTID> id2(CertIdFor(ca_.inter.get(), s2, EVP_sha256()));
  Answer a = responder_->Respond(RequestDer({OCSP_CERTID_dup(id1.get()), OCSP_CERTID_dup(id2.get())}), true);
  ClientView v = Inspect(a.der, ca_);
  ASSERT_TRUE(v.verified);
  EXPECT_EQ(OCSP_resp_count(v.basic.get()), 2);
  EXPECT_EQ(FindStatus(v.basic.get(), id1.get()).status, V_OCSP_CERTSTATUS_GOOD);
  Found f2 = FindStatus(v.basic.get(), id2.get());
  EXPECT_EQ(f2.status, V_OCSP_CERTSTATUS_REVOKED);
  EXPECT_EQ(f2.reason, OCSP_REVOKED_STATUS_CESSATIONOFOPERATION);
}

TEST_F(ResponderTest, OneUnknownCertIdSpoilsTheWholeRequest) {
  std::string s1;
  Stored("one.test", &s1);
  Answer a = responder_->Respond(
      RequestDer({CertIdFor(ca_.inter.get(), s1), CertIdFor(ca_.inter.get(), "abcdef")}), true);
  EXPECT_EQ(a.der, kUnauthorized);
  TestCa other = TestCa::Make("other");
  Answer b = responder_->Respond(RequestDer({CertIdFor(ca_.inter.get(), s1), CertIdFor(other.inter.get(), s1)}), true);
  EXPECT_EQ(b.der, kUnauthorized);
}

TEST_F(ResponderTest, TooManyCertIdsIsMalformed) {
  std::string s;
  Stored("many.test", &s);
  std::vector<OCSP_CERTID*> ids;
  for (size_t i = 0; i < kMaxCertIds; ++i) ids.push_back(CertIdFor(ca_.inter.get(), s));
  EXPECT_EQ(responder_->Respond(RequestDer(ids), true).status, ResponseStatus::kSuccessful);
  ids.clear();
  for (size_t i = 0; i <= kMaxCertIds; ++i) ids.push_back(CertIdFor(ca_.inter.get(), s));
  EXPECT_EQ(responder_->Respond(RequestDer(ids), true).der, kMalformed);
  EXPECT_EQ(responder_->Respond(RequestDer({}), true).der, kMalformed);
}

TEST_F(ResponderTest, NonceIsNotEchoedByDefault) {
  std::string s;
  Stored("nonce.test", &s);
  Bytes req = RequestDer({CertIdFor(ca_.inter.get(), s)}, 16);
  Answer a = responder_->Respond(req, true);
  ASSERT_EQ(a.status, ResponseStatus::kSuccessful);
  EXPECT_FALSE(a.nonce_echoed);
  ClientView v = Inspect(a.der, ca_);
  EXPECT_EQ(OCSP_BASICRESP_get_ext_by_NID(v.basic.get(), NID_id_pkix_OCSP_Nonce, -1), -1);
}

TEST_F(ResponderTest, NonceIsEchoedWhenConfiguredAndAllowed) {
  MakeResponder(ResponderOptions{4 * 3600, true});
  std::string s;
  Stored("echo.test", &s);
  Bytes der = RequestDer({CertIdFor(ca_.inter.get(), s)}, 32);
  const unsigned char* p = der.data();
  ossl::UniquePtr<OCSP_REQUEST> req(d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(der.size())));
  Answer a = responder_->Respond(der, true);
  ASSERT_EQ(a.status, ResponseStatus::kSuccessful);
  EXPECT_TRUE(a.nonce_echoed);
  ClientView v = Inspect(a.der, ca_);
  EXPECT_TRUE(v.verified);
  EXPECT_EQ(OCSP_check_nonce(req.get(), v.basic.get()), 1);  // present in both and equal
  // A GET answer is shared by caches: never echoed there.
  Answer get = responder_->Respond(der, false);
  EXPECT_FALSE(get.nonce_echoed);
  EXPECT_EQ(OCSP_check_nonce(req.get(), Inspect(get.der, ca_).basic.get()), -1);  // request only
}

// RequestWithNonceValue adds a nonce extension whose extnValue is the given bytes.
Bytes RequestWithNonceValue(OCSP_CERTID* id, const Bytes& extn_value, bool critical_other = false) {
  ossl::UniquePtr<OCSP_REQUEST> req(OCSP_REQUEST_new());
  EXPECT_NE(OCSP_request_add0_id(req.get(), id), nullptr);
  ossl::UniquePtr<ASN1_STRING> os(ASN1_OCTET_STRING_new());
  ASN1_OCTET_STRING_set(os.get(), extn_value.data(), static_cast<int>(extn_value.size()));
  int nid = critical_other ? NID_id_pkix_OCSP_serviceLocator : NID_id_pkix_OCSP_Nonce;
  ossl::UniquePtr<X509_EXTENSION> ext(X509_EXTENSION_create_by_NID(nullptr, nid, critical_other ? 1 : 0, os.get()));
  EXPECT_EQ(OCSP_REQUEST_add_ext(req.get(), ext.get(), -1), 1);
  unsigned char* der = nullptr;
  int len = i2d_OCSP_REQUEST(req.get(), &der);
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

Bytes WrappedNonce(size_t n) {
  Bytes v = {0x04};
  if (n < 128) {
    v.push_back(static_cast<uint8_t>(n));
  } else {
    v.push_back(0x81);
    v.push_back(static_cast<uint8_t>(n));
  }
  v.insert(v.end(), n, 0x5a);
  return v;
}

TEST_F(ResponderTest, NonceLengthOutside1To128IsMalformed) {
  std::string s;
  Stored("nlen.test", &s);
  auto ask = [&](const Bytes& value) {
    return responder_->Respond(RequestWithNonceValue(CertIdFor(ca_.inter.get(), s), value), true).status;
  };
  EXPECT_EQ(ask(WrappedNonce(1)), ResponseStatus::kSuccessful);
  EXPECT_EQ(ask(WrappedNonce(128)), ResponseStatus::kSuccessful);
  EXPECT_EQ(ask(WrappedNonce(0)), ResponseStatus::kMalformedRequest);
  EXPECT_EQ(ask(WrappedNonce(129)), ResponseStatus::kMalformedRequest);
  EXPECT_EQ(ask(Bytes{0x02, 0x01, 0x01}), ResponseStatus::kMalformedRequest);  // not an OCTET STRING
  EXPECT_EQ(ask(Bytes{}), ResponseStatus::kMalformedRequest);
}

TEST_F(ResponderTest, UnknownCriticalExtensionIsMalformed) {
  std::string s;
  Stored("crit.test", &s);
  Answer a = responder_->Respond(RequestWithNonceValue(CertIdFor(ca_.inter.get(), s), Bytes{0x05, 0x00}, true), true);
  EXPECT_EQ(a.der, kMalformed);
}

TEST_F(ResponderTest, GarbageAndBadFramingAreMalformed) {
  std::string s;
  Stored("frame.test", &s);
  Bytes good = RequestDer({CertIdFor(ca_.inter.get(), s)});
  ASSERT_EQ(responder_->Respond(good, true).status, ResponseStatus::kSuccessful);

  EXPECT_EQ(responder_->Respond(Bytes{}, true).der, kMalformed);
  EXPECT_EQ(responder_->Respond(AsBytes(std::string_view("hello, world")), true).der, kMalformed);
  Bytes trailing = good;
  trailing.push_back(0x00);
  EXPECT_EQ(responder_->Respond(trailing, true).der, kMalformed);
  Bytes truncated(good.begin(), good.end() - 1);
  EXPECT_EQ(responder_->Respond(truncated, true).der, kMalformed);
  Bytes huge(kMaxRequestBytes + 1, 0x30);
  EXPECT_EQ(responder_->Respond(huge, true).der, kMalformed);
  // Indefinite length (BER) for the outer SEQUENCE.
  Bytes ber = {0x30, 0x80};
  ber.insert(ber.end(), good.begin() + 2, good.end());
  ber.push_back(0x00);
  ber.push_back(0x00);
  ASSERT_LT(good[1], 0x80);
  EXPECT_EQ(responder_->Respond(ber, true).der, kMalformed);
}

// WithVersion inserts an explicit `version [0] INTEGER v` into a short request's TBSRequest.
Bytes WithVersion(const Bytes& good, uint8_t v) {
  EXPECT_LT(good[1], 0x7b);
  EXPECT_EQ(good[2], 0x30);
  Bytes out = {0x30, static_cast<uint8_t>(good[1] + 5), 0x30, static_cast<uint8_t>(good[3] + 5),
               0xa0, 0x03, 0x02, 0x01, v};
  out.insert(out.end(), good.begin() + 4, good.end());
  return out;
}

TEST_F(ResponderTest, VersionMustBeV1) {
  std::string s;
  Stored("version.test", &s);
  Bytes good = RequestDer({CertIdFor(ca_.inter.get(), s)});
  EXPECT_EQ(responder_->Respond(WithVersion(good, 0), true).status, ResponseStatus::kSuccessful);
  EXPECT_EQ(responder_->Respond(WithVersion(good, 1), true).der, kMalformed);
}

// The plain-HTTP listener runs handlers on several threads: one Responder answers them all.
TEST_F(ResponderTest, AnswersFromSeveralThreadsAtOnce) {
  std::string serial;
  Stored("threads.test", &serial);
  ossl::UniquePtr<OCSP_CERTID> id(CertIdFor(ca_.inter.get(), serial));
  const Bytes req = RequestDer({OCSP_CERTID_dup(id.get())});
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        Answer a = responder_->Respond(req, false);
        if (a.status != ResponseStatus::kSuccessful) continue;
        ClientView v = Inspect(a.der, ca_);
        if (v.verified && FindStatus(v.basic.get(), id.get()).status == V_OCSP_CERTSTATUS_GOOD) ++good;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), 100);
}

}  // namespace
}  // namespace ca::ocsp
