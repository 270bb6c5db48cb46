#pragma once
// SigningKey: a CA private key (the intermediate's, or the delegated OCSP responder's) with its
// signing and verifying contexts initialised once; its owners keep it private. EVP_DigestSignInit
// fetches the signature algorithm and sets the digest up on every call, a tenth of an OCSP answer's
// cost beside the ECDSA math; here each signature starts from a copy of a context initialised at
// load. The templates are only ever read: EVP_MD_CTX_copy_ex takes its source as const, which
// OpenSSL allows from several threads at once (openssl-threads(7)), and every signature works on
// its own copy. A key whose contexts OpenSSL cannot copy (Ed25519 in OpenSSL 3.0: no digest in the
// context) is initialised per signature.
#include "common/bytes.h"
#include "common/result.h"
#include "ossl/unique.h"

namespace ca::issuance {

class SigningKey final {
 public:
  // Create: key signs (md: its digest, nullptr for EdDSA), verify_key checks (the certificate's
  // public key). Both are shared (up-referenced), never modified.
  static Result<SigningKey> Create(EVP_PKEY* key, const EVP_MD* md, EVP_PKEY* verify_key);

  // SignContext returns a context ready for one EVP_DigestSign (or OCSP_basic_sign_ctx /
  // ASN1_item_sign_ctx), owned by the caller.
  Result<ossl::UniquePtr<EVP_MD_CTX>> SignContext() const;
  // Sign signs data (the DER of a to-be-signed structure) and returns the signature.
  Result<Bytes> Sign(ByteView data) const;
  // Verify checks signature over data with the verifying key; false if it does not verify.
  Result<bool> Verify(ByteView data, ByteView signature) const;

  bool reuses_contexts() const { return sign_template_ != nullptr; }

 private:
  SigningKey() = default;
  Result<ossl::UniquePtr<EVP_MD_CTX>> VerifyContext() const;

  ossl::UniquePtr<EVP_PKEY> key_;
  ossl::UniquePtr<EVP_PKEY> verify_key_;
  const EVP_MD* md_ = nullptr;
  // Initialised templates, copied for each use; null when the key's contexts cannot be copied.
  ossl::UniquePtr<EVP_MD_CTX> sign_template_;
  ossl::UniquePtr<EVP_MD_CTX> verify_template_;
};

}  // namespace ca::issuance
