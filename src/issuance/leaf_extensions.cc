// The extensions every leaf carries whatever its request, built once per Issuer: parsing their
// OpenSSL config strings (X509V3_EXT_nconf_nid) for each certificate was half of Prepare's cost.
#include <openssl/x509v3.h>

#include "issuance/internal.h"
#include "ossl/error.h"
#include "ossl/x509_build.h"

namespace ca::issuance {
Result<LeafExtensions> BuildLeafExtensions(X509* issuer, const std::optional<RevocationUrls>& urls) {
  // A blank subject: none of these extensions reads the leaf.
  ossl::UniquePtr<X509> blank(X509_new());
  if (!blank) return ossl::Internal("X509_new");
  X509* b = blank.get();
  LeafExtensions x;
  CA_TRY(x.basic_constraints, ossl::ConfExtension(b, issuer, NID_basic_constraints, "critical,CA:FALSE"));
  CA_TRY(x.key_usage_rsa, ossl::ConfExtension(b, issuer, NID_key_usage, "critical,digitalSignature,keyEncipherment"));
  CA_TRY(x.key_usage, ossl::ConfExtension(b, issuer, NID_key_usage, "critical,digitalSignature"));
  CA_TRY(x.eku_server, ossl::ConfExtension(b, issuer, NID_ext_key_usage, "serverAuth"));
  CA_TRY(x.eku_client, ossl::ConfExtension(b, issuer, NID_ext_key_usage, "clientAuth"));
  CA_TRY(x.eku_both, ossl::ConfExtension(b, issuer, NID_ext_key_usage, "serverAuth,clientAuth"));
  CA_TRY(x.authority_key_id, ossl::ConfExtension(b, issuer, NID_authority_key_identifier, "keyid:always"));
  if (urls) {
    CA_TRY(auto pointers, RevocationPointerExtensions(*urls));
    x.info_access = std::move(pointers.first);
    x.crl_points = std::move(pointers.second);
  }
  return x;
}

Result<void> AddExtensionCopy(X509* cert, const X509_EXTENSION* ext) {
  if (ext == nullptr) return Fail(Errc::kInternal, "AddExtensionCopy: no extension");
  // X509_add_ext adds a copy; it takes the extension as non-const for historical reasons only.
  if (X509_add_ext(cert, const_cast<X509_EXTENSION*>(ext), -1) != 1) return ossl::Internal("X509_add_ext");
  return Ok();
}

Result<void> AddSubjectKeyId(X509* cert, const EVP_MD* sha1) {
  // What the config string "hash" computes (RFC 5280 §4.2.1.2 (1)): SHA-1 of the subjectPublicKey
  // BIT STRING's value, without the config parse and the digest fetch.
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_pubkey_digest(cert, sha1, digest, &len) != 1) return ossl::Internal("X509_pubkey_digest");
  ossl::UniquePtr<ASN1_STRING> id(ASN1_OCTET_STRING_new());
  if (!id || ASN1_OCTET_STRING_set(id.get(), digest, static_cast<int>(len)) != 1) {
    return ossl::Internal("ASN1_OCTET_STRING_set");
  }
  if (X509_add1_ext_i2d(cert, NID_subject_key_identifier, id.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return ossl::Internal("X509_add1_ext_i2d (subjectKeyIdentifier)");
  }
  return Ok();
}

}  // namespace ca::issuance
