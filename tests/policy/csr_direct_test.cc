// ParseEcCsrDirect: the requests it reads, it reads exactly as the OpenSSL path does; everything
// else it leaves to that path.
#include <gtest/gtest.h>

#include <openssl/core_names.h>

#include "ossl/types.h"
#include "policy/internal.h"
#include "support/csr_builder.h"

namespace ca::policy {
namespace {

using ::ca::testing::CsrOptions;
using ::ca::testing::MakeCsrDer;
using ::ca::testing::MakeEcKey;
using ::ca::testing::MakeEd25519Key;
using ::ca::testing::MakeRsaKey;

Bytes Der(int (*i2d)(const X509_NAME*, unsigned char**), const X509_NAME* v) {
  unsigned char* p = nullptr;
  int n = i2d(v, &p);
  Bytes out(p, p + (n > 0 ? n : 0));
  OPENSSL_free(p);
  return out;
}

// SpkiDer: the algorithm identifier and the key bits, what the certificate copies. (Not i2d of the
// X509_PUBKEY: OpenSSL 3.0's X509_PUBKEY_dup drops the BIT STRING's unused-bits flag, so its
// re-encoding of a P-521 key differs while the key does not.)
Bytes SpkiDer(const X509_PUBKEY* v) {
  const unsigned char* bits = nullptr;
  int bits_len = 0;
  X509_ALGOR* alg = nullptr;
  if (X509_PUBKEY_get0_param(nullptr, &bits, &bits_len, &alg, v) != 1) return {};
  unsigned char* p = nullptr;
  int n = i2d_X509_ALGOR(alg, &p);
  Bytes out(p, p + (n > 0 ? n : 0));
  OPENSSL_free(p);
  out.insert(out.end(), bits, bits + bits_len);
  return out;
}

Bytes ExtensionsDer(const X509_EXTENSIONS* v) {
  if (v == nullptr) return {};
  unsigned char* p = nullptr;
  int n = i2d_X509_EXTENSIONS(v, &p);
  Bytes out(p, p + (n > 0 ? n : 0));
  OPENSSL_free(p);
  return out;
}

void ExpectSame(const ParsedCsr& direct, const ParsedCsr& openssl) {
  EXPECT_EQ(Der(i2d_X509_NAME, direct.subject.get()), Der(i2d_X509_NAME, openssl.subject.get()));
  EXPECT_EQ(SpkiDer(direct.spki.get()), SpkiDer(openssl.spki.get()));
  EXPECT_EQ(EVP_PKEY_eq(direct.key.get(), openssl.key.get()), 1);
  EXPECT_EQ(direct.extension_requests, openssl.extension_requests);
  EXPECT_EQ(ExtensionsDer(direct.extensions.get()), ExtensionsDer(openssl.extensions.get()));
}

TEST(ParseEcCsrDirect, ReadsEcdsaRequestsAsOpenSslDoes) {
  std::vector<CsrOptions> shapes(4);
  shapes[0].dns_names = {"a.example", "b.example"};
  shapes[1].common_name = "c.example";
  shapes[1].subject = {{"O", "Example"}, {"C", "DE"}};
  shapes[1].ip_addresses = {"192.0.2.1", "2001:db8::1"};
  shapes[2].common_name = "no-extensions.example";  // no extension request at all
  shapes[3].dns_names = {"d.example"};
  shapes[3].upns = {"user@example"};
  for (const char* curve : {"P-256", "P-384", "P-521"}) {
    auto key = MakeEcKey(curve);
    for (const char* digest : {"SHA256", "SHA384", "SHA512"}) {
      for (auto shape : shapes) {
        shape.digest = digest;
        Bytes der = MakeCsrDer(key.get(), shape);
        auto direct = ParseEcCsrDirect(der);
        auto openssl = ParseCsrWithOpenSsl(der);
        ASSERT_TRUE(direct.has_value()) << curve << " " << digest;
        ASSERT_TRUE(openssl) << openssl.error().detail;
        ExpectSame(*direct, *openssl);
        EXPECT_EQ(EVP_PKEY_eq(direct->key.get(), key.get()), 1);
      }
    }
  }
}

TEST(ParseEcCsrDirect, LeavesEverythingElseToOpenSsl) {
  CsrOptions names;
  names.dns_names = {"a.example"};
  // Other key types.
  EXPECT_FALSE(ParseEcCsrDirect(MakeCsrDer(MakeRsaKey(2048).get(), names)));
  EXPECT_FALSE(ParseEcCsrDirect(MakeCsrDer(MakeEd25519Key().get(), names)));
  // A curve we refuse: the OpenSSL path words the error.
  EXPECT_FALSE(ParseEcCsrDirect(MakeCsrDer(MakeEcKey("secp256k1").get(), names)));
  // ECDSA with SHA-1.
  auto key = MakeEcKey("P-256");
  CsrOptions sha1 = names;
  sha1.digest = "SHA1";
  Bytes sha1_der = MakeCsrDer(key.get(), sha1);
  EXPECT_FALSE(ParseEcCsrDirect(sha1_der));
  auto refused = ParseCsr(sha1_der);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::kBadCsr);
  // A bad signature, trailing bytes.
  Bytes good = MakeCsrDer(key.get(), names);
  ASSERT_TRUE(ParseEcCsrDirect(good));
  EXPECT_FALSE(ParseEcCsrDirect(::ca::testing::CorruptSignature(good)));
  Bytes trailing = good;
  trailing.push_back(0);
  EXPECT_FALSE(ParseEcCsrDirect(trailing));
  // Every strict prefix.
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(ParseEcCsrDirect(ByteView(good.data(), n))) << n;
  }
}

TEST(ParseEcCsrDirect, OtherAttributesTakeTheOpenSslPath) {
  auto key = MakeEcKey("P-256");
  ossl::UniquePtr<X509_REQ> req(X509_REQ_new());
  ASSERT_TRUE(req);
  ASSERT_EQ(X509_REQ_set_version(req.get(), X509_REQ_VERSION_1), 1);
  ASSERT_EQ(X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req.get()), "CN", MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>("a.example"), -1, -1, 0),
            1);
  ASSERT_EQ(X509_REQ_set_pubkey(req.get(), key.get()), 1);
  ASSERT_EQ(X509_REQ_add1_attr_by_NID(req.get(), NID_pkcs9_challengePassword, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>("secret"), -1),
            1);
  ASSERT_GT(X509_REQ_sign(req.get(), key.get(), EVP_sha256()), 0);
  unsigned char* p = nullptr;
  int n = i2d_X509_REQ(req.get(), &p);
  ASSERT_GT(n, 0);
  Bytes der(p, p + n);
  OPENSSL_free(p);
  EXPECT_FALSE(ParseEcCsrDirect(der));
  auto parsed = ParseCsr(der);
  ASSERT_TRUE(parsed) << parsed.error().detail;
  EXPECT_EQ(parsed->common_name, "a.example");
}

TEST(ParseEcCsrDirect, CompressedPointTakesTheOpenSslPath) {
  auto key = MakeEcKey("P-256");
  ASSERT_EQ(EVP_PKEY_set_utf8_string_param(key.get(), OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "compressed"), 1);
  CsrOptions names;
  names.dns_names = {"a.example"};
  Bytes der = MakeCsrDer(key.get(), names);
  EXPECT_FALSE(ParseEcCsrDirect(der));
  auto parsed = ParseCsr(der);
  ASSERT_TRUE(parsed) << parsed.error().detail;
  EXPECT_EQ(EVP_PKEY_eq(parsed->key.get(), key.get()), 1);
}

}  // namespace
}  // namespace ca::policy
