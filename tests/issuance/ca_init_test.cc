#include "issuance/ca_init.h"

#include <gtest/gtest.h>

#include "issuance/issuer.h"
#include "test_util.h"

namespace ca::issuance {
namespace {

using namespace ::ca::issuance::test;  // NOLINT

constexpr UnixTime kDay = 86400;

TEST(KeyTypeFrom, Names) {
  EXPECT_EQ(KeyTypeFrom("ec-p256"), KeyType::kEcP256);
  EXPECT_EQ(KeyTypeFrom("ec-p384"), KeyType::kEcP384);
  EXPECT_EQ(KeyTypeFrom("rsa-3072"), KeyType::kRsa3072);
  EXPECT_EQ(KeyTypeFrom("ed25519"), KeyType::kEd25519);
  EXPECT_EQ(KeyTypeFrom("rsa-1024"), std::nullopt);
  EXPECT_EQ(KeyTypeFrom(""), std::nullopt);
}

struct KeyCase {
  KeyType type;
  int pkey_id;
  int sig_nid;  // signature algorithm of certificates the CA keys sign
};

class CreateCaTest : public ::testing::TestWithParam<KeyCase> {};

TEST_P(CreateCaTest, ChainVerifiesAndHasProfile) {
  const KeyCase& kc = GetParam();
  SystemRng rng;
  const UnixTime now = Now();
  CaOptions opts;
  opts.name = "Test Org";
  opts.key_type = kc.type;
  opts.tls_names = {"ca.example", "127.0.0.1", "::1"};
  auto m = CreateCa(opts, rng, now);
  ASSERT_TRUE(m) << m.error().detail;

  auto root = Pem(m->root_cert_pem);
  auto inter = Pem(m->intermediate_cert_pem);
  auto chain = ossl::CertsFromPem(m->tls_chain_pem);
  ASSERT_TRUE(root && inter && chain);
  ASSERT_EQ(chain->size(), 2u);
  X509* tls = (*chain)[0].get();
  EXPECT_EQ(X509_cmp((*chain)[1].get(), inter.get()), 0);

  EXPECT_EQ(VerifyChain(inter.get(), {}, root.get()), "ok");
  EXPECT_EQ(VerifyChain(tls, {inter.get()}, root.get(), X509_PURPOSE_SSL_SERVER), "ok");

  // Names.
  EXPECT_EQ(NameEntry(X509_get_subject_name(root.get()), NID_commonName), "Test Org Root CA");
  EXPECT_EQ(NameEntry(X509_get_subject_name(root.get()), NID_organizationName), "Test Org");
  EXPECT_EQ(NameEntry(X509_get_subject_name(inter.get()), NID_commonName), "Test Org Intermediate CA");
  EXPECT_EQ(NameEntry(X509_get_subject_name(inter.get()), NID_organizationName), "Test Org");
  EXPECT_EQ(NameEntry(X509_get_subject_name(tls), NID_commonName), "ca.example");

  // Keys and signature algorithms.
  EXPECT_EQ(EVP_PKEY_get_base_id(X509_get0_pubkey(root.get())), kc.pkey_id);
  EXPECT_EQ(EVP_PKEY_get_base_id(X509_get0_pubkey(inter.get())), kc.pkey_id);
  EXPECT_EQ(X509_get_signature_nid(root.get()), kc.sig_nid);
  EXPECT_EQ(X509_get_signature_nid(inter.get()), kc.sig_nid);
  EXPECT_EQ(X509_get_signature_nid(tls), kc.sig_nid);
  EVP_PKEY* tls_pub = X509_get0_pubkey(tls);
  EXPECT_EQ(EVP_PKEY_get_base_id(tls_pub), EVP_PKEY_EC);
  EXPECT_EQ(EVP_PKEY_get_bits(tls_pub), 256);

  // Root: CA, critical basicConstraints and keyUsage, SKI, 20 years.
  EXPECT_TRUE(X509_get_extension_flags(root.get()) & EXFLAG_CA);
  EXPECT_TRUE(ExtCritical(root.get(), NID_basic_constraints));
  EXPECT_TRUE(ExtCritical(root.get(), NID_key_usage));
  EXPECT_EQ(X509_get_key_usage(root.get()), static_cast<uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  EXPECT_NE(X509_get0_subject_key_id(root.get()), nullptr);
  EXPECT_EQ(X509_get_pathlen(root.get()), -1);
  EXPECT_EQ(TimeOf(X509_get0_notAfter(root.get())) - now, 7305 * kDay);

  // Intermediate: pathlen 0, digitalSignature too, SKI + AKI (= root SKI), 10 years.
  EXPECT_TRUE(X509_get_extension_flags(inter.get()) & EXFLAG_CA);
  EXPECT_TRUE(ExtCritical(inter.get(), NID_basic_constraints));
  EXPECT_TRUE(ExtCritical(inter.get(), NID_key_usage));
  EXPECT_EQ(X509_get_pathlen(inter.get()), 0);
  EXPECT_EQ(X509_get_key_usage(inter.get()),
            static_cast<uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN | KU_DIGITAL_SIGNATURE));
  ASSERT_NE(X509_get0_authority_key_id(inter.get()), nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(inter.get()), X509_get0_subject_key_id(root.get())),
            0);
  EXPECT_EQ(TimeOf(X509_get0_notAfter(inter.get())) - now, 3653 * kDay);

  // TLS leaf: serverAuth, digitalSignature, SANs, 1 year.
  EXPECT_FALSE(X509_get_extension_flags(tls) & EXFLAG_CA);
  EXPECT_EQ(X509_get_extended_key_usage(tls), static_cast<uint32_t>(XKU_SSL_SERVER));
  EXPECT_EQ(X509_get_key_usage(tls), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_EQ(X509_check_host(tls, "ca.example", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(tls, "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(tls, "::1", 0), 1);
  EXPECT_EQ(X509_check_host(tls, "other.example", 0, 0, nullptr), 0);
  EXPECT_EQ(TimeOf(X509_get0_notAfter(tls)) - now, 365 * kDay);
  EXPECT_EQ(TimeOf(X509_get0_notBefore(tls)), now);

  // Serials: positive, >= 64 bits, distinct.
  std::vector<std::string> serials;
  for (X509* c : {root.get(), inter.get(), tls}) {
    ossl::UniquePtr<BIGNUM> bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(c), nullptr));
    EXPECT_FALSE(BN_is_negative(bn.get()));
    EXPECT_GE(BN_num_bits(bn.get()), 64);
    EXPECT_LE(BN_num_bits(bn.get()), 127);
    char* hex = BN_bn2hex(bn.get());
    serials.emplace_back(hex);
    OPENSSL_free(hex);
  }
  EXPECT_NE(serials[0], serials[1]);
  EXPECT_NE(serials[1], serials[2]);

  // Keys: unencrypted PKCS#8 PEM; the intermediate key loads into an Issuer.
  EXPECT_NE(m->root_key_pem.find("BEGIN PRIVATE KEY"), std::string::npos);
  EXPECT_NE(m->tls_key_pem.find("BEGIN PRIVATE KEY"), std::string::npos);
  auto issuer = Issuer::Load(m->intermediate_cert_pem, m->intermediate_key_pem, "", m->root_cert_pem);
  ASSERT_TRUE(issuer) << issuer.error().detail;
  EXPECT_EQ((*issuer)->intermediate_not_after(), now + 3653 * kDay);
  auto tls_key = ossl::PrivateKeyFromPem(m->tls_key_pem, "");
  ASSERT_TRUE(tls_key);
  EXPECT_EQ(X509_check_private_key(tls, tls_key->get()), 1);
}

INSTANTIATE_TEST_SUITE_P(KeyTypes, CreateCaTest,
                         ::testing::Values(KeyCase{KeyType::kEcP256, EVP_PKEY_EC, NID_ecdsa_with_SHA256},
                                           KeyCase{KeyType::kEcP384, EVP_PKEY_EC, NID_ecdsa_with_SHA384},
                                           KeyCase{KeyType::kRsa3072, EVP_PKEY_RSA, NID_sha256WithRSAEncryption},
                                           KeyCase{KeyType::kEd25519, EVP_PKEY_ED25519, NID_ED25519}));

TEST(CreateCa, EncryptedKeys) {
  SystemRng rng;
  CaOptions opts;
  opts.passphrase = "correct horse";
  auto m = CreateCa(opts, rng, Now());
  ASSERT_TRUE(m) << m.error().detail;
  EXPECT_NE(m->root_key_pem.find("BEGIN ENCRYPTED PRIVATE KEY"), std::string::npos);
  EXPECT_NE(m->intermediate_key_pem.find("BEGIN ENCRYPTED PRIVATE KEY"), std::string::npos);
  EXPECT_NE(m->tls_key_pem.find("BEGIN PRIVATE KEY"), std::string::npos);  // never encrypted

  EXPECT_TRUE(ossl::PrivateKeyFromPem(m->root_key_pem, "correct horse"));
  auto ok = Issuer::Load(m->intermediate_cert_pem, m->intermediate_key_pem, "correct horse", m->root_cert_pem);
  EXPECT_TRUE(ok) << ok.error().detail;
  auto wrong = Issuer::Load(m->intermediate_cert_pem, m->intermediate_key_pem, "wrong", m->root_cert_pem);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, Errc::kInternal);
  auto none = Issuer::Load(m->intermediate_cert_pem, m->intermediate_key_pem, "", m->root_cert_pem);
  EXPECT_FALSE(none);
}

TEST(CreateCa, TlsLeafNeverOutlivesIntermediate) {
  // Only checkable through the clamp formula: the leaf ends at min(now + 1y, intermediate end).
  SystemRng rng;
  const UnixTime now = Now();
  auto m = CreateCa(CaOptions{}, rng, now);
  ASSERT_TRUE(m);
  auto chain = ossl::CertsFromPem(m->tls_chain_pem);
  ASSERT_TRUE(chain);
  EXPECT_LE(TimeOf(X509_get0_notAfter((*chain)[0].get())), TimeOf(X509_get0_notAfter((*chain)[1].get())));
}

TEST(CreateCa, RejectsEmptyInput) {
  SystemRng rng;
  CaOptions opts;
  opts.tls_names.clear();
  EXPECT_FALSE(CreateCa(opts, rng, Now()));
  opts.tls_names = {"localhost"};
  opts.name.clear();
  EXPECT_FALSE(CreateCa(opts, rng, Now()));
}

}  // namespace
}  // namespace ca::issuance
