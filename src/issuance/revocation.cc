// Revocation pointers in issued certificates: AIA (RFC 5280 §4.2.2.1) and CRLDP (§4.2.1.13).
#include "issuance/internal.h"
#include "ossl/error.h"
#include "ossl/types.h"

CA_OSSL_DELETER(AUTHORITY_INFO_ACCESS, AUTHORITY_INFO_ACCESS_free)
CA_OSSL_DELETER(CRL_DIST_POINTS, CRL_DIST_POINTS_free)

namespace ca::issuance {
namespace {

std::string UriOf(const GENERAL_NAME* gn) {
  if (gn == nullptr || gn->type != GEN_URI) return "";
  const ASN1_IA5STRING* s = gn->d.uniformResourceIdentifier;
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), ASN1_STRING_length(s));
}

}  // namespace

RevocationUrls RevocationUrlsFor(const std::string& public_http_url) {
  return {public_http_url + "/ocsp", public_http_url + "/ca/intermediate.crt",
          public_http_url + "/crl/intermediate.crl"};
}

Result<std::pair<ossl::UniquePtr<X509_EXTENSION>, ossl::UniquePtr<X509_EXTENSION>>> RevocationPointerExtensions(
    const RevocationUrls& urls) {
  // The config refuses ',' and spaces in the base URL, so the URLs cannot break OpenSSL's syntax.
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, nullptr, nullptr, nullptr, nullptr, 0);
  const std::string aia = "OCSP;URI:" + urls.ocsp + ",caIssuers;URI:" + urls.ca_issuers;
  const std::string crldp = "URI:" + urls.crl;
  ossl::UniquePtr<X509_EXTENSION> info(X509V3_EXT_nconf_nid(nullptr, &ctx, NID_info_access, aia.c_str()));
  if (!info) return ossl::Internal("X509V3_EXT_nconf_nid authorityInfoAccess");
  ossl::UniquePtr<X509_EXTENSION> points(
      X509V3_EXT_nconf_nid(nullptr, &ctx, NID_crl_distribution_points, crldp.c_str()));
  if (!points) return ossl::Internal("X509V3_EXT_nconf_nid crlDistributionPoints");
  return std::make_pair(std::move(info), std::move(points));
}

Result<void> AddRevocationPointers(X509* cert, const RevocationUrls& urls) {
  CA_TRY(auto exts, RevocationPointerExtensions(urls));
  CA_RETURN_IF_ERROR(AddExtensionCopy(cert, exts.first.get()));
  return AddExtensionCopy(cert, exts.second.get());
}

Result<void> LintRevocationPointers(X509* cert, const RevocationUrls& urls) {
  int crit = 0;
  ossl::UniquePtr<AUTHORITY_INFO_ACCESS> aia(
      static_cast<AUTHORITY_INFO_ACCESS*>(X509_get_ext_d2i(cert, NID_info_access, &crit, nullptr)));
  if (!aia || crit != 0 || sk_ACCESS_DESCRIPTION_num(aia.get()) != 2) {
    return Fail(Errc::kInternal, "lint: authorityInfoAccess must be non-critical with OCSP and caIssuers");
  }
  std::string ocsp, ca_issuers;
  for (int i = 0; i < sk_ACCESS_DESCRIPTION_num(aia.get()); ++i) {
    const ACCESS_DESCRIPTION* ad = sk_ACCESS_DESCRIPTION_value(aia.get(), i);
    int nid = OBJ_obj2nid(ad->method);
    if (nid == NID_ad_OCSP) ocsp = UriOf(ad->location);
    if (nid == NID_ad_ca_issuers) ca_issuers = UriOf(ad->location);
  }
  if (ocsp != urls.ocsp || ca_issuers != urls.ca_issuers) {
    return Fail(Errc::kInternal, "lint: authorityInfoAccess URLs differ from the configured ones");
  }
  ossl::UniquePtr<CRL_DIST_POINTS> dps(
      static_cast<CRL_DIST_POINTS*>(X509_get_ext_d2i(cert, NID_crl_distribution_points, &crit, nullptr)));
  // Exactly one point with one fullName URI: OpenSSL matches a CRL's scope against it.
  if (!dps || crit != 0 || sk_DIST_POINT_num(dps.get()) != 1) {
    return Fail(Errc::kInternal, "lint: cRLDistributionPoints must be non-critical with one point");
  }
  const DIST_POINT* dp = sk_DIST_POINT_value(dps.get(), 0);
  bool ok = dp->distpoint != nullptr && dp->distpoint->type == 0 && dp->reasons == nullptr &&
            dp->CRLissuer == nullptr && sk_GENERAL_NAME_num(dp->distpoint->name.fullname) == 1 &&
            UriOf(sk_GENERAL_NAME_value(dp->distpoint->name.fullname, 0)) == urls.crl;
  if (!ok) return Fail(Errc::kInternal, "lint: cRLDistributionPoints URL differs from the configured one");
  return Ok();
}

}  // namespace ca::issuance
