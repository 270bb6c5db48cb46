#include "attestation/leaf_extensions.h"

#include <algorithm>

#include "der/oid.h"
#include "ossl/pem.h"
#include "ossl/types.h"

namespace ca::attestation {

Result<void> FindExtensions(X509* leaf, const ExtInfo* specs, size_t n, const std::string& format,
                            std::optional<ByteView>* out) {
  std::vector<Bytes> oids;
  for (size_t k = 0; k < n; ++k) {
    auto oid = der::OidFromText(specs[k].oid);
    if (!oid) return Fail(Errc::kInternal, std::string("bad OID constant ") + specs[k].oid);
    oids.push_back(std::move(*oid));
    out[k].reset();
  }
  const int count = X509_get_ext_count(leaf);
  for (int i = 0; i < count; ++i) {
    X509_EXTENSION* ext = X509_get_ext(leaf, i);
    const ASN1_OBJECT* obj = X509_EXTENSION_get_object(ext);
    const ByteView oid(OBJ_get0_data(obj), OBJ_length(obj));
    for (size_t k = 0; k < n; ++k) {
      if (!std::equal(oid.begin(), oid.end(), oids[k].begin(), oids[k].end())) continue;
      if (out[k]) {
        return Fail(Errc::kBadAttestation,
                    format + ": leaf has more than one " + specs[k].name + " extension");
      }
      const ASN1_STRING* v = X509_EXTENSION_get_data(ext);
      out[k] = ByteView(ASN1_STRING_get0_data(v), static_cast<size_t>(ASN1_STRING_length(v)));
    }
  }
  return Ok();
}

Result<void> SetAttestedKey(X509* leaf, const std::string& format, AttestedDevice& dev) {
  EVP_PKEY* key = X509_get0_pubkey(leaf);
  auto spki = key == nullptr ? Result<Bytes>(Fail(Errc::kMalformed, "no key")) : ossl::PublicKeyToDer(key);
  if (!spki) return Fail(Errc::kBadAttestation, format + ": leaf public key cannot be encoded");
  dev.spki_der = std::move(*spki);
  dev.spki_sha256_hex = Hex(ossl::Sha256(dev.spki_der));
  return Ok();
}

}  // namespace ca::attestation
