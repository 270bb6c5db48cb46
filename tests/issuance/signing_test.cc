// The signing shortcuts of the Issuer: contexts initialised once (SigningKey), extensions built
// once (LeafExtensions), and the certificate DER assembled around the linted TBS.
#include <gtest/gtest.h>

#include <thread>

#include "issuance/ca_init.h"
#include "issuance/internal.h"
#include "issuance/issuer.h"
#include "issuance/signing_key.h"
#include "support/csr_builder.h"
#include "test_util.h"

namespace ca::issuance {
namespace {

using namespace ::ca::issuance::test;  // NOLINT

Bytes Der(X509_EXTENSION* ext) {
  unsigned char* p = nullptr;
  const int len = i2d_X509_EXTENSION(ext, &p);
  EXPECT_GT(len, 0);
  Bytes out(p, p + (len > 0 ? len : 0));
  OPENSSL_free(p);
  return out;
}

Bytes CertDer(X509* cert) {
  unsigned char* p = nullptr;
  const int len = i2d_X509(cert, &p);
  EXPECT_GT(len, 0);
  Bytes out(p, p + (len > 0 ? len : 0));
  OPENSSL_free(p);
  return out;
}

// ConfigExtension makes an extension from its config string for leaf issued by issuer, as the
// Issuer did for every certificate before it built them once.
Bytes ConfigExtension(X509* issuer, X509* leaf, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, leaf, nullptr, nullptr, 0);
  ossl::UniquePtr<X509_EXTENSION> ext(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value));
  EXPECT_TRUE(ext) << OBJ_nid2sn(nid);
  return ext ? Der(ext.get()) : Bytes{};
}

Bytes LeafExtension(X509* leaf, int nid) {
  const int idx = X509_get_ext_by_NID(leaf, nid, -1);
  EXPECT_GE(idx, 0) << OBJ_nid2sn(nid);
  return idx >= 0 ? Der(X509_get_ext(leaf, idx)) : Bytes{};
}

struct Ca {
  CaMaterial m;
  ossl::UniquePtr<X509> inter;
  std::unique_ptr<Issuer> issuer;
};

Ca MakeCa(KeyType t, const IssuerOptions& opts = {}) {
  SystemRng rng;
  CaOptions co;
  co.key_type = t;
  Ca ca;
  auto m = CreateCa(co, rng, Now() - 60);
  EXPECT_TRUE(m);
  ca.m = std::move(*m);
  ca.inter = Pem(ca.m.intermediate_cert_pem);
  auto issuer = Issuer::Load(ca.m.intermediate_cert_pem, ca.m.intermediate_key_pem, "", ca.m.root_cert_pem, opts);
  EXPECT_TRUE(issuer) << issuer.error().detail;
  ca.issuer = std::move(*issuer);
  return ca;
}

IssueRequest Request(EVP_PKEY* key) {
  IssueRequest r;
  r.public_key = key;
  r.identifiers = {{"dns", "a.example"}};
  r.not_before = Now() - 60;
  r.not_after = Now() + 86400;
  return r;
}

// Every extension built once is byte for byte what its config string makes for that very leaf,
// for each key-usage and EKU variant, with and without revocation URLs.
TEST(LeafExtensionsTest, SameBytesAsTheConfigStrings) {
  IssuerOptions with_urls;
  with_urls.revocation_urls = RevocationUrlsFor("http://pki.example:8080");
  for (const IssuerOptions& opts : {IssuerOptions{}, with_urls}) {
    Ca ca = MakeCa(KeyType::kEcP256, opts);
    ASSERT_TRUE(ca.issuer);
    SystemRng rng;
    auto ec = testing::MakeEcKey("P-256");
    auto rsa = testing::MakeRsaKey(2048);
    for (EVP_PKEY* key : {ec.get(), rsa.get()}) {
      for (int eku = 1; eku <= 3; ++eku) {
        IssueRequest req = Request(key);
        req.server_auth = (eku & 1) != 0;
        req.client_auth = (eku & 2) != 0;
        auto token = ca.issuer->Prepare(req, rng);
        ASSERT_TRUE(token) << token.error().detail;
        auto issued = ca.issuer->Issue(std::move(*token));
        ASSERT_TRUE(issued) << issued.error().detail;
        auto leaf = ossl::CertFromDer(issued->der);
        ASSERT_TRUE(leaf);
        X509* l = leaf->get();
        X509* i = ca.inter.get();
        const bool is_rsa = key == rsa.get();
        const char* eku_text = eku == 1 ? "serverAuth" : eku == 2 ? "clientAuth" : "serverAuth,clientAuth";
        SCOPED_TRACE(std::string(is_rsa ? "rsa " : "ec ") + eku_text);
        EXPECT_EQ(LeafExtension(l, NID_basic_constraints), ConfigExtension(i, l, NID_basic_constraints, "critical,CA:FALSE"));
        EXPECT_EQ(LeafExtension(l, NID_key_usage),
                  ConfigExtension(i, l, NID_key_usage,
                                  is_rsa ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature"));
        EXPECT_EQ(LeafExtension(l, NID_ext_key_usage), ConfigExtension(i, l, NID_ext_key_usage, eku_text));
        EXPECT_EQ(LeafExtension(l, NID_subject_key_identifier), ConfigExtension(i, l, NID_subject_key_identifier, "hash"));
        EXPECT_EQ(LeafExtension(l, NID_authority_key_identifier),
                  ConfigExtension(i, l, NID_authority_key_identifier, "keyid:always"));
        if (opts.revocation_urls) {
          const RevocationUrls& u = *opts.revocation_urls;
          EXPECT_EQ(LeafExtension(l, NID_info_access),
                    ConfigExtension(i, l, NID_info_access,
                                    ("OCSP;URI:" + u.ocsp + ",caIssuers;URI:" + u.ca_issuers).c_str()));
          EXPECT_EQ(LeafExtension(l, NID_crl_distribution_points),
                    ConfigExtension(i, l, NID_crl_distribution_points, ("URI:" + u.crl).c_str()));
        } else {
          EXPECT_FALSE(HasExt(l, NID_info_access));
          EXPECT_FALSE(HasExt(l, NID_crl_distribution_points));
        }
        // Basic constraints, key usage, EKU, SKI, AKI, [AIA, CRLDP,] SAN: no more, in that order.
        const int count = opts.revocation_urls ? 8 : 6;
        ASSERT_EQ(X509_get_ext_count(l), count);
        EXPECT_EQ(OBJ_obj2nid(X509_EXTENSION_get_object(X509_get_ext(l, 0))), NID_basic_constraints);
        EXPECT_EQ(OBJ_obj2nid(X509_EXTENSION_get_object(X509_get_ext(l, 3))), NID_subject_key_identifier);
        EXPECT_EQ(OBJ_obj2nid(X509_EXTENSION_get_object(X509_get_ext(l, count - 1))), NID_subject_alt_name);
      }
    }
  }
}

// The assembled certificate is DER as OpenSSL writes it (a decode and re-encode changes no byte),
// and its signature verifies with X509_verify, for every intermediate key type.
TEST(CertificateDerTest, IssuedCertificatesAreCanonicalAndVerify) {
  for (KeyType t : {KeyType::kEcP256, KeyType::kEcP384, KeyType::kRsa3072, KeyType::kEd25519}) {
    Ca ca = MakeCa(t);
    ASSERT_TRUE(ca.issuer);
    SystemRng rng;
    auto key = testing::MakeEcKey("P-256");
    auto token = ca.issuer->Prepare(Request(key.get()), rng);
    ASSERT_TRUE(token);
    auto issued = ca.issuer->Issue(std::move(*token));
    ASSERT_TRUE(issued) << issued.error().detail;
    auto leaf = ossl::CertFromDer(issued->der);
    ASSERT_TRUE(leaf);
    EXPECT_EQ(CertDer(leaf->get()), issued->der);
    EXPECT_EQ(X509_verify(leaf->get(), X509_get0_pubkey(ca.inter.get())), 1);
    const X509_ALGOR* outer = nullptr;
    X509_get0_signature(nullptr, &outer, leaf->get());
    EXPECT_EQ(X509_ALGOR_cmp(outer, X509_get0_tbs_sigalg(leaf->get())), 0);
  }
}

TEST(CertificateDerTest, FramingAndReadBack) {
  const Bytes tbs = {0x30, 0x01, 0x00};
  const Bytes alg = {0x30, 0x02, 0x05, 0x00};
  Bytes sig(200, 0xab);  // a long-form BIT STRING length (201 octets)
  Bytes der = CertificateDer(tbs, alg, sig);
  Bytes want = {0x30, 0x81, 0xd3, 0x30, 0x01, 0x00, 0x30, 0x02, 0x05, 0x00, 0x03, 0x81, 0xc9, 0x00};
  want.insert(want.end(), sig.begin(), sig.end());
  EXPECT_EQ(der, want);
  auto back = SignatureOfCert(der);
  ASSERT_TRUE(back);
  EXPECT_EQ(Bytes(back->algorithm_der.begin(), back->algorithm_der.end()), alg);
  EXPECT_EQ(Bytes(back->value.begin(), back->value.end()), sig);
  auto tbs_back = TbsOfCert(der);
  ASSERT_TRUE(tbs_back);
  EXPECT_EQ(Bytes(tbs_back->begin(), tbs_back->end()), tbs);
  // 300 octets of signature: a two-octet length.
  sig.assign(300, 0x01);
  der = CertificateDer(tbs, alg, sig);
  EXPECT_EQ(Bytes(der.begin(), der.begin() + 4), (Bytes{0x30, 0x82, 0x01, 0x38}));
  EXPECT_TRUE(SignatureOfCert(der));
  der.push_back(0);  // trailing byte
  EXPECT_FALSE(SignatureOfCert(der));
}

// SigningKey: copies of the initialised context sign what the key verifies, a wrong signature or
// other data does not verify, and several threads may sign at once.
TEST(SigningKeyTest, SignsAndVerifiesForEveryKeyType) {
  for (KeyType t : {KeyType::kEcP256, KeyType::kEcP384, KeyType::kRsa3072, KeyType::kEd25519}) {
    auto key = GenerateKey(t);
    ASSERT_TRUE(key);
    auto sk = SigningKey::Create(key->get(), ossl::SignatureDigestFor(key->get()), key->get());
    ASSERT_TRUE(sk) << sk.error().detail;
    // OpenSSL 3.0 copies ECDSA and RSA signing contexts; EdDSA ones are made per signature.
    if (t != KeyType::kEd25519) {
      EXPECT_TRUE(sk->reuses_contexts());
    }
    const Bytes data = {'t', 'b', 's'};
    auto sig = sk->Sign(data);
    ASSERT_TRUE(sig);
    auto ok = sk->Verify(data, *sig);
    ASSERT_TRUE(ok);
    EXPECT_TRUE(*ok);
    auto other = sk->Verify(Bytes{'x'}, *sig);
    ASSERT_TRUE(other);
    EXPECT_FALSE(*other);
    Bytes bad = *sig;
    bad[bad.size() / 2] ^= 0x01;
    auto tampered = sk->Verify(data, bad);
    EXPECT_FALSE(tampered && *tampered);
    // A second signature from the same template works too (the template itself is never used up).
    auto sig2 = sk->Sign(data);
    ASSERT_TRUE(sig2);
    auto ok2 = sk->Verify(data, *sig2);
    EXPECT_TRUE(ok2 && *ok2);
  }
}

TEST(SigningKeyTest, ConcurrentSignatures) {
  auto key = GenerateKey(KeyType::kEcP256);
  ASSERT_TRUE(key);
  auto sk = SigningKey::Create(key->get(), ossl::SignatureDigestFor(key->get()), key->get());
  ASSERT_TRUE(sk);
  constexpr int kThreads = 4;
  constexpr int kEach = 25;
  std::vector<int> good(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const Bytes data = {static_cast<uint8_t>(t), static_cast<uint8_t>(i)};
        auto sig = sk->Sign(data);
        if (!sig) continue;
        auto ok = sk->Verify(data, *sig);
        if (ok && *ok) ++good[static_cast<size_t>(t)];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(good[static_cast<size_t>(t)], kEach);
}

}  // namespace
}  // namespace ca::issuance
