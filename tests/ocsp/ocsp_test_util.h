#pragma once
// A test CA with a store and a responder, and client-side helpers built on OpenSSL's OCSP_* API
// (requests as a client makes them, answers checked as a client checks them).
#include <gtest/gtest.h>

#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "issuance/ca_init.h"
#include "issuance/issuer.h"
#include "ocsp/ossl_ocsp.h"
#include "ocsp/responder.h"
#include "ossl/pem.h"
#include "storage/store.h"
#include "support/fakes.h"

namespace ca::ocsp::test {

inline UnixTime WallNow() { return static_cast<UnixTime>(std::time(nullptr)); }

struct TestCa {
  issuance::CaMaterial m;
  ossl::UniquePtr<X509> root;
  ossl::UniquePtr<X509> inter;
  std::unique_ptr<issuance::Issuer> issuer;

  static TestCa Make(const std::string& name = "ocsp-test") {
    SystemRng rng;
    issuance::CaOptions opts;
    opts.name = name;
    TestCa ca;
    auto m = issuance::CreateCa(opts, rng, WallNow() - 3600);
    EXPECT_TRUE(m) << (m ? "" : m.error().detail);
    ca.m = std::move(*m);
    ca.root = std::move(*ossl::CertFromPem(ca.m.root_cert_pem));
    ca.inter = std::move(*ossl::CertFromPem(ca.m.intermediate_cert_pem));
    auto issuer = issuance::Issuer::Load(ca.m.intermediate_cert_pem, ca.m.intermediate_key_pem, "",
                                         ca.m.root_cert_pem);
    EXPECT_TRUE(issuer) << (issuer ? "" : issuer.error().detail);
    ca.issuer = std::move(*issuer);
    return ca;
  }

  // Issue signs a real leaf for name and returns it (not stored).
  ossl::UniquePtr<X509> Issue(const std::string& name) {
    SystemRng rng;
    auto key = issuance::GenerateKey(issuance::KeyType::kEcP256);
    issuance::IssueRequest req;
    req.public_key = key->get();
    req.identifiers = {{"dns", name}};
    req.not_before = WallNow() - 60;
    req.not_after = WallNow() + 86400;
    auto token = issuer->Prepare(req, rng);
    EXPECT_TRUE(token) << (token ? "" : token.error().detail);
    auto issued = issuer->Issue(std::move(*token));
    EXPECT_TRUE(issued) << (issued ? "" : issued.error().detail);
    return std::move(*ossl::CertFromDer(issued->der));
  }
};

// Record stores a certificate row for a serial (the responder reads serial, revocation and notAfter;
// 30 days, so tests that move the clock by days still ask about an unexpired certificate).
inline core::CertRecord Record(const std::string& serial_hex) {
  core::CertRecord c;
  c.id = "cert-" + serial_hex;
  c.serial_hex = serial_hex;
  c.account_id = "acct";
  c.order_id = "order-" + serial_hex;
  c.provisioner = "acme";
  c.der = {0x30, 0x00};
  c.chain_pem = "PEM";
  c.not_before = 1;
  c.not_after = WallNow() + 30 * 86400;
  c.spki_sha256_hex = "00";
  c.identifiers = {{"dns", "a.test"}};
  return c;
}

// CertIdFor builds the CertID a client sends for serial (hex) under issuer.
inline OCSP_CERTID* CertIdFor(X509* issuer, const std::string& serial_hex, const EVP_MD* md = EVP_sha1()) {
  BIGNUM* bn = nullptr;
  EXPECT_GT(BN_hex2bn(&bn, serial_hex.c_str()), 0);
  ASN1_INTEGER* serial = BN_to_ASN1_INTEGER(bn, nullptr);
  BN_free(bn);
  OCSP_CERTID* id = OCSP_cert_id_new(md, X509_get_subject_name(issuer), X509_get0_pubkey_bitstr(issuer), serial);
  ASN1_INTEGER_free(serial);
  EXPECT_NE(id, nullptr);
  return id;
}

// RequestDer serialises a request for the given CertIDs (ownership taken), with an optional nonce of
// nonce_len random octets (OpenSSL wraps it in an OCTET STRING, as RFC 9654 wants).
inline Bytes RequestDer(std::vector<OCSP_CERTID*> ids, int nonce_len = 0) {
  ossl::UniquePtr<OCSP_REQUEST> req(OCSP_REQUEST_new());
  for (OCSP_CERTID* id : ids) EXPECT_NE(OCSP_request_add0_id(req.get(), id), nullptr);
  if (nonce_len > 0) {
    EXPECT_EQ(OCSP_request_add1_nonce(req.get(), nullptr, nonce_len), 1);
  }
  unsigned char* der = nullptr;
  int len = i2d_OCSP_REQUEST(req.get(), &der);
  EXPECT_GT(len, 0);
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

// ClientView is what a client learns from an answer: the response status and, for a successful
// one, the verified BasicOCSPResponse.
struct ClientView {
  int response_status = -1;
  ossl::UniquePtr<OCSP_BASICRESP> basic;
  bool verified = false;
};

// Inspect parses an answer and verifies its signature as `openssl ocsp -CAfile root` does: the
// signer must chain to the root through the intermediate (passed as an untrusted certificate,
// since the answer carries none).
inline ClientView Inspect(const Bytes& der, const TestCa& ca) {
  ClientView v;
  const unsigned char* p = der.data();
  ossl::UniquePtr<OCSP_RESPONSE> resp(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size())));
  EXPECT_TRUE(resp);
  if (!resp) return v;
  EXPECT_EQ(p, der.data() + der.size());
  v.response_status = OCSP_response_status(resp.get());
  if (v.response_status != OCSP_RESPONSE_STATUS_SUCCESSFUL) return v;
  v.basic.reset(OCSP_response_get1_basic(resp.get()));
  EXPECT_TRUE(v.basic);
  ossl::UniquePtr<X509_STORE> store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), ca.root.get());
  STACK_OF(X509)* certs = sk_X509_new_null();
  sk_X509_push(certs, ca.inter.get());
  v.verified = OCSP_basic_verify(v.basic.get(), certs, store.get(), 0) == 1;
  sk_X509_free(certs);
  ERR_clear_error();
  return v;
}

// SingleStatus finds the status for id in a verified answer: V_OCSP_CERTSTATUS_* or -1 if absent.
struct Found {
  int status = -1;
  int reason = -2;
  UnixTime revoked_at = 0;
  UnixTime this_update = 0;
  UnixTime next_update = 0;
};

inline UnixTime ToUnix(const ASN1_GENERALIZEDTIME* t) {
  if (t == nullptr) return 0;
  struct tm tm {};
  EXPECT_EQ(ASN1_TIME_to_tm(t, &tm), 1);
  return static_cast<UnixTime>(timegm(&tm));
}

inline Found FindStatus(OCSP_BASICRESP* basic, OCSP_CERTID* id) {
  Found f;
  ASN1_GENERALIZEDTIME* rev = nullptr;
  ASN1_GENERALIZEDTIME* thisupd = nullptr;
  ASN1_GENERALIZEDTIME* nextupd = nullptr;
  if (OCSP_resp_find_status(basic, id, &f.status, &f.reason, &rev, &thisupd, &nextupd) != 1) {
    f.status = -1;
    return f;
  }
  f.revoked_at = ToUnix(rev);
  f.this_update = ToUnix(thisupd);
  f.next_update = ToUnix(nextupd);
  return f;
}

}  // namespace ca::ocsp::test
