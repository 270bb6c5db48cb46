// SignCaCrl / ReadCrl: a CA CRL signed with a key given as PEM (the root's), and read back.
#include "issuance/ca_crl.h"

#include <ctime>

#include "issuance/internal.h"
#include "ossl/error.h"
#include "ossl/pem.h"
#include "ossl/types.h"

namespace ca::issuance {
namespace {

Result<UnixTime> ToUnix(const ASN1_TIME* t, const char* what) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return Fail(Errc::kMalformed, std::string("CRL without a valid ") + what);
  return static_cast<UnixTime>(timegm(&tm));
}

}  // namespace

Result<Bytes> SignCaCrl(const std::string& ca_cert_pem, const std::string& ca_key_pem, const std::string& passphrase,
                        const CrlContents& contents) {
  CA_TRY(auto cert, ossl::CertFromPem(ca_cert_pem));
  CA_TRY(auto key, ossl::PrivateKeyFromPem(ca_key_pem, passphrase));
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return Fail(Errc::kMalformed, "the CA key does not belong to the CA certificate");
  }
  CA_TRY(auto crl, BuildCrl(cert.get(), contents));
  if (X509_CRL_sign(crl.get(), key.get(), ossl::SignatureDigestFor(key.get())) <= 0) {
    return ossl::Internal("X509_CRL_sign");
  }
  int len = i2d_X509_CRL(crl.get(), nullptr);
  if (len <= 0) return ossl::Internal("i2d_X509_CRL");
  Bytes der(static_cast<size_t>(len));
  unsigned char* p = der.data();
  if (i2d_X509_CRL(crl.get(), &p) != len) return ossl::Internal("i2d_X509_CRL");
  // What goes out is read back and checked as a relying party would.
  auto back = ReadCrl(der, ca_cert_pem);
  if (!back) return Fail(Errc::kInternal, "signed CA CRL does not read back: " + back.error().detail);
  return der;
}

Result<CrlFacts> ReadCrl(ByteView der, const std::string& ca_cert_pem) {
  CA_TRY(auto cert, ossl::CertFromPem(ca_cert_pem));
  const unsigned char* in = der.data();
  ossl::UniquePtr<X509_CRL> crl(d2i_X509_CRL(nullptr, &in, static_cast<long>(der.size())));
  if (!crl || in != der.data() + der.size()) {
    ERR_clear_error();
    return Fail(Errc::kMalformed, "not one DER CRL");
  }
  if (X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(cert.get())) != 0 ||
      X509_CRL_verify(crl.get(), X509_get0_pubkey(cert.get())) != 1) {
    ERR_clear_error();
    return Fail(Errc::kMalformed, "the CRL was not signed by this CA");
  }
  CrlFacts f;
  CA_TRY(f.this_update, ToUnix(X509_CRL_get0_lastUpdate(crl.get()), "thisUpdate"));
  CA_TRY(f.next_update, ToUnix(X509_CRL_get0_nextUpdate(crl.get()), "nextUpdate"));
  int crit = 0;
  ossl::UniquePtr<ASN1_STRING> number(
      static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl.get(), NID_crl_number, &crit, nullptr)));
  uint64_t n = 0;
  if (!number || ASN1_INTEGER_get_uint64(&n, number.get()) != 1 || n == 0) {
    ERR_clear_error();
    return Fail(Errc::kMalformed, "CRL without a usable cRLNumber");
  }
  f.number = n;
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
  f.entries = revoked == nullptr ? 0 : static_cast<size_t>(sk_X509_REVOKED_num(revoked));
  return f;
}

}  // namespace ca::issuance
