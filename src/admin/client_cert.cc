#include "admin/client_cert.h"

#include <algorithm>

#include "ossl/pem.h"
#include "ossl/types.h"

namespace ca::admin {
namespace {

constexpr size_t kMaxCertBytes = 16 * 1024;  // a client certificate is a few hundred bytes

// Verify runs X509_verify_cert with our root as the only trust anchor and our intermediate as the
// only untrusted certificate, at `now`, for the TLS-client purpose, then requires the EKU to be
// present and to name clientAuth (the purpose check alone accepts a certificate without EKU).
Result<void> Verify(X509* leaf, const ClientCertTrust& trust, UnixTime now) {
  if (trust.root_der.empty() || trust.intermediate_der.empty()) {
    return Fail(Errc::kUnauthorized, "no CA is configured to verify client certificates");
  }
  auto root = ossl::CertFromDer(trust.root_der);
  auto inter = ossl::CertFromDer(trust.intermediate_der);
  if (!root || !inter) return Fail(Errc::kInternal, "admin: cannot parse our own CA certificates");
  ossl::UniquePtr<X509_STORE> roots(X509_STORE_new());
  ossl::UniquePtr<X509_STORE_CTX> ctx(X509_STORE_CTX_new());
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  if (!roots || !ctx || untrusted == nullptr) {
    sk_X509_free(untrusted);
    return Fail(Errc::kInternal, "admin: out of memory");
  }
  const bool ok = X509_STORE_add_cert(roots.get(), root->get()) == 1 && sk_X509_push(untrusted, inter->get()) > 0 &&
                  X509_STORE_CTX_init(ctx.get(), roots.get(), leaf, untrusted) == 1;
  if (!ok) {
    sk_X509_free(untrusted);
    return Fail(Errc::kInternal, "admin: cannot set up certificate verification");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(now));
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_CLIENT);
  const int verified = X509_verify_cert(ctx.get());
  const int err = X509_STORE_CTX_get_error(ctx.get());
  sk_X509_free(untrusted);  // the stack only; the certificates belong to root/inter
  ERR_clear_error();
  if (verified != 1) {
    return Fail(Errc::kUnauthorized, std::string("the client certificate does not verify to our CA: ") +
                                         X509_verify_cert_error_string(err));
  }
  if ((X509_get_extension_flags(leaf) & EXFLAG_XKUSAGE) == 0 || (X509_get_extended_key_usage(leaf) & XKU_SSL_CLIENT) == 0) {
    return Fail(Errc::kUnauthorized, "the client certificate has no EKU clientAuth");
  }
  return Ok();
}

Result<std::string> SerialHex(X509* cert) {
  ossl::UniquePtr<BIGNUM> bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  if (!bn) return Fail(Errc::kInternal, "admin: cannot read the serial");
  char* hex = BN_bn2hex(bn.get());
  if (hex == nullptr) return Fail(Errc::kInternal, "admin: cannot render the serial");
  std::string s(hex);
  OPENSSL_free(hex);
  return revocation::NormalizeSerial(s);
}

}  // namespace

Result<revocation::Actor> AuthenticateClientCert(ByteView cert_der, const ClientCertTrust& trust,
                                                 const std::vector<config::AdminClientCert>& listed,
                                                 storage::Store& store, UnixTime now) {
  if (cert_der.empty()) return Fail(Errc::kUnauthorized, "no client certificate");
  if (cert_der.size() > kMaxCertBytes) return Fail(Errc::kUnauthorized, "the client certificate is too large");
  auto cert = ossl::CertFromDer(cert_der);
  if (!cert) return Fail(Errc::kUnauthorized, "the client certificate does not parse");
  CA_RETURN_IF_ERROR(Verify(cert->get(), trust, now));
  CA_TRY(const std::string serial, SerialHex(cert->get()));

  const config::AdminClientCert* match = nullptr;
  for (const config::AdminClientCert& c : listed) {
    auto want = revocation::NormalizeSerial(c.serial);
    if (want && *want == serial) {
      match = &c;
      break;
    }
  }
  if (match == nullptr) return Fail(Errc::kUnauthorized, "client certificate serial " + serial + " is not in [admin] client_certs");

  auto rec = store.GetCertificateBySerial(serial);
  if (!rec) {
    if (rec.error().code == Errc::kNotFound) {
      return Fail(Errc::kUnauthorized, "client certificate serial " + serial + " is not in our store");
    }
    return tl::unexpected(rec.error());
  }
  if (!std::equal(rec->der.begin(), rec->der.end(), cert_der.begin(), cert_der.end())) {
    return Fail(Errc::kUnauthorized, "client certificate serial " + serial + " differs from the stored certificate");
  }
  if (rec->revoked_at) return Fail(Errc::kUnauthorized, "client certificate serial " + serial + " is revoked");

  revocation::Actor who;
  who.kind = "admin-cert";
  who.id = match->id;
  who.authority = revocation::Authority::kOperator;
  return who;
}

}  // namespace ca::admin
