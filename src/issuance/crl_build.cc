// BuildCrl: the unsigned v2 CRL (RFC 5280 §5.1) for Issuer::SignCrl.
#include <algorithm>

#include "issuance/internal.h"
#include "ossl/error.h"
#include "ossl/types.h"

CA_OSSL_DELETER(X509_REVOKED, X509_REVOKED_free)

namespace ca::issuance {
namespace {

Result<ossl::UniquePtr<ASN1_STRING>> SerialFromHex(const std::string& hex) {
  bool ok = !hex.empty() && hex.size() <= 40 &&
            std::all_of(hex.begin(), hex.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  if (!ok) return Fail(Errc::kInternal, "CRL entry: stored serial is not lowercase hex: \"" + hex.substr(0, 48) + "\"");
  BIGNUM* raw = nullptr;
  if (BN_hex2bn(&raw, hex.c_str()) == 0) return ossl::Internal("CRL entry: BN_hex2bn");
  ossl::UniquePtr<BIGNUM> bn(raw);
  ossl::UniquePtr<ASN1_STRING> serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (!serial) return ossl::Internal("CRL entry: BN_to_ASN1_INTEGER");
  return serial;
}

Result<void> SetTime(X509_CRL* crl, UnixTime t, int (*set)(X509_CRL*, const ASN1_TIME*), const char* what) {
  // ASN1_TIME_set picks UTCTime before 2050 and GeneralizedTime after (§5.1.2.4).
  ossl::UniquePtr<ASN1_STRING> time(ASN1_TIME_set(nullptr, static_cast<time_t>(t)));
  if (!time || set(crl, time.get()) != 1) return ossl::Internal(what);
  return Ok();
}

Result<ossl::UniquePtr<X509_REVOKED>> MakeEntry(const CrlEntry& e) {
  ossl::UniquePtr<X509_REVOKED> r(X509_REVOKED_new());
  if (!r) return ossl::Internal("X509_REVOKED_new");
  CA_TRY(auto serial, SerialFromHex(e.serial_hex));
  if (X509_REVOKED_set_serialNumber(r.get(), serial.get()) != 1) return ossl::Internal("X509_REVOKED_set_serialNumber");
  ossl::UniquePtr<ASN1_STRING> when(ASN1_TIME_set(nullptr, static_cast<time_t>(e.revoked_at)));
  if (!when || X509_REVOKED_set_revocationDate(r.get(), when.get()) != 1) {
    return ossl::Internal("X509_REVOKED_set_revocationDate");
  }
  // reasonCode is left out for unspecified (§5.3.1); 7 is unassigned and 8 belongs to delta CRLs.
  if (e.reason < 0 || e.reason > 10 || e.reason == 7 || e.reason == 8) {
    return Fail(Errc::kInternal, "CRL entry " + e.serial_hex + ": invalid reason code " + std::to_string(e.reason));
  }
  if (e.reason != 0) {
    ossl::UniquePtr<ASN1_STRING> reason(ASN1_ENUMERATED_new());
    if (!reason || ASN1_ENUMERATED_set(reason.get(), e.reason) != 1 ||
        X509_REVOKED_add1_ext_i2d(r.get(), NID_crl_reason, reason.get(), 0, 0) != 1) {
      return ossl::Internal("CRL entry reasonCode");
    }
  }
  return r;
}

}  // namespace

Result<ossl::UniquePtr<X509_CRL>> BuildCrl(X509* issuer, const CrlContents& c) {
  if (c.next_update <= c.this_update) return Fail(Errc::kInternal, "CRL: nextUpdate is not after thisUpdate");
  if (c.number == 0 || c.number > (uint64_t{1} << 62)) return Fail(Errc::kInternal, "CRL: number out of range");
  ossl::UniquePtr<X509_CRL> crl(X509_CRL_new());
  if (!crl) return ossl::Internal("X509_CRL_new");
  // v2: required once there are extensions (§5.1.2.1).
  if (X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1) return ossl::Internal("X509_CRL_set_version");
  if (X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer)) != 1) {
    return ossl::Internal("X509_CRL_set_issuer_name");
  }
  CA_RETURN_IF_ERROR(SetTime(crl.get(), c.this_update, X509_CRL_set1_lastUpdate, "CRL thisUpdate"));
  CA_RETURN_IF_ERROR(SetTime(crl.get(), c.next_update, X509_CRL_set1_nextUpdate, "CRL nextUpdate"));
  // Entries only when there are some: an existing but empty stack would encode SEQUENCE {} (§5.1.2.6).
  for (const auto& e : c.entries) {
    CA_TRY(auto r, MakeEntry(e));
    if (X509_CRL_add0_revoked(crl.get(), r.get()) != 1) return ossl::Internal("X509_CRL_add0_revoked");
    (void)r.release();  // owned by the CRL now
  }
  if (!c.entries.empty() && X509_CRL_sort(crl.get()) != 1) return ossl::Internal("X509_CRL_sort");

  // authorityKeyIdentifier = the issuer's SKI (§5.2.1), which OpenSSL matches to pick the CRL issuer.
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, nullptr, nullptr, crl.get(), 0);
  ossl::UniquePtr<X509_EXTENSION> aki(
      X509V3_EXT_nconf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"));
  if (!aki || X509_CRL_add_ext(crl.get(), aki.get(), -1) != 1) return ossl::Internal("CRL authorityKeyIdentifier");
  ossl::UniquePtr<ASN1_STRING> number(ASN1_INTEGER_new());
  if (!number || ASN1_INTEGER_set_uint64(number.get(), c.number) != 1 ||
      X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, 0) != 1) {
    return ossl::Internal("CRL cRLNumber");
  }
  return crl;
}

}  // namespace ca::issuance
