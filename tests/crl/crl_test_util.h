#pragma once
// A test CA whose issuer puts revocation URLs in certificates, a SQLite store, and helpers that read
// a CRL as a relying party does (d2i_X509_CRL, X509_verify_cert with CRL checking).
#include <gtest/gtest.h>

#include <ctime>
#include <memory>
#include <string>

#include "common/rng.h"
#include "core/cert_record.h"
#include "issuance/ca_init.h"
#include "issuance/issuer.h"
#include "ossl/pem.h"
#include "ossl/types.h"
#include "storage/store.h"

namespace ca::crl::test {

inline UnixTime WallNow() { return static_cast<UnixTime>(std::time(nullptr)); }

inline constexpr const char* kBaseUrl = "http://pki.test:8080";

struct TestCa {
  issuance::CaMaterial m;
  ossl::UniquePtr<X509> root;
  ossl::UniquePtr<X509> inter;
  std::unique_ptr<issuance::Issuer> issuer;

  static TestCa Make() {
    SystemRng rng;
    issuance::CaOptions opts;
    opts.name = "crl-test";
    TestCa ca;
    auto m = issuance::CreateCa(opts, rng, WallNow() - 3600);
    EXPECT_TRUE(m) << (m ? "" : m.error().detail);
    ca.m = std::move(*m);
    ca.root = std::move(*ossl::CertFromPem(ca.m.root_cert_pem));
    ca.inter = std::move(*ossl::CertFromPem(ca.m.intermediate_cert_pem));
    issuance::IssuerOptions io;
    io.revocation_urls = issuance::RevocationUrlsFor(kBaseUrl);
    auto issuer = issuance::Issuer::Load(ca.m.intermediate_cert_pem, ca.m.intermediate_key_pem, "",
                                         ca.m.root_cert_pem, io);
    EXPECT_TRUE(issuer) << (issuer ? "" : issuer.error().detail);
    ca.issuer = std::move(*issuer);
    return ca;
  }

  // IssueRecord signs a real leaf and returns the row the ACME service would store for it.
  core::CertRecord IssueRecord(const std::string& name, UnixTime not_after) {
    SystemRng rng;
    auto key = issuance::GenerateKey(issuance::KeyType::kEcP256);
    issuance::IssueRequest req;
    req.public_key = key->get();
    req.identifiers = {{"dns", name}};
    req.not_before = WallNow() - 7200;
    req.not_after = not_after;
    auto token = issuer->Prepare(req, rng);
    EXPECT_TRUE(token) << (token ? "" : token.error().detail);
    auto issued = issuer->Issue(std::move(*token));
    EXPECT_TRUE(issued) << (issued ? "" : issued.error().detail);
    core::CertRecord c;
    c.id = "cert-" + issued->serial_hex;
    c.serial_hex = issued->serial_hex;
    c.account_id = "acct";
    c.order_id = "order-" + issued->serial_hex;
    c.provisioner = "acme";
    c.der = issued->der;
    c.chain_pem = issued->pem;
    c.not_before = issued->not_before;
    c.not_after = issued->not_after;
    c.spki_sha256_hex = issued->spki_sha256_hex;
    c.identifiers = {{"dns", name}};
    return c;
  }
};

inline ossl::UniquePtr<X509_CRL> ParseCrl(const Bytes& der) {
  const unsigned char* p = der.data();
  ossl::UniquePtr<X509_CRL> crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
  EXPECT_TRUE(crl);
  EXPECT_EQ(p, der.data() + der.size()) << "trailing bytes after the CRL";
  return crl;
}

inline uint64_t CrlNumber(X509_CRL* crl) {
  ossl::UniquePtr<ASN1_STRING> n(static_cast<ASN1_STRING*>(X509_CRL_get_ext_d2i(crl, NID_crl_number, nullptr, nullptr)));
  EXPECT_TRUE(n);
  uint64_t v = 0;
  if (n) {
    EXPECT_EQ(ASN1_INTEGER_get_uint64(&v, n.get()), 1);
  }
  return v;
}

inline UnixTime TimeOf(const ASN1_TIME* t) {
  struct tm tm {};
  EXPECT_EQ(ASN1_TIME_to_tm(t, &tm), 1);
  return static_cast<UnixTime>(timegm(&tm));
}

// VerifyWithCrl runs `openssl verify -crl_check`: leaf -> intermediate -> root, the leaf checked
// against crl. Returns the verify error string ("ok" on success).
inline std::string VerifyWithCrl(const TestCa& ca, const Bytes& leaf_der, X509_CRL* crl) {
  auto leaf = ossl::CertFromDer(leaf_der);
  EXPECT_TRUE(leaf);
  ossl::UniquePtr<X509_STORE> store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), ca.root.get());
  X509_STORE_add_crl(store.get(), crl);
  X509_STORE_set_flags(store.get(), X509_V_FLAG_CRL_CHECK);
  STACK_OF(X509)* chain = sk_X509_new_null();
  sk_X509_push(chain, ca.inter.get());
  ossl::UniquePtr<X509_STORE_CTX> ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf->get(), chain);
  int ok = X509_verify_cert(ctx.get());
  std::string out = ok == 1 ? "ok" : X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
  sk_X509_free(chain);
  ERR_clear_error();
  return out;
}

}  // namespace ca::crl::test
