// SigningKey: copy a context initialised once instead of initialising one per signature.
#include "issuance/signing_key.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include "ossl/error.h"

namespace ca::issuance {
namespace {

Result<ossl::UniquePtr<EVP_MD_CTX>> InitSign(EVP_PKEY* key, const EVP_MD* md) {
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  if (!ctx) return ossl::Internal("EVP_MD_CTX_new");
  if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key) != 1) return ossl::Internal("EVP_DigestSignInit");
  return ctx;
}

Result<ossl::UniquePtr<EVP_MD_CTX>> InitVerify(EVP_PKEY* key, const EVP_MD* md) {
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  if (!ctx) return ossl::Internal("EVP_MD_CTX_new");
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) != 1) return ossl::Internal("EVP_DigestVerifyInit");
  return ctx;
}

// Copy returns a copy of an initialised template, or null when OpenSSL cannot copy it.
ossl::UniquePtr<EVP_MD_CTX> Copy(const EVP_MD_CTX* from) {
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_MD_CTX_copy_ex(ctx.get(), from) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  // One signature per copy: let the final step use the context itself rather than duplicate it.
  EVP_MD_CTX_set_flags(ctx.get(), EVP_MD_CTX_FLAG_FINALISE);
  return ctx;
}

}  // namespace

Result<SigningKey> SigningKey::Create(EVP_PKEY* key, const EVP_MD* md, EVP_PKEY* verify_key) {
  if (key == nullptr || verify_key == nullptr) return Fail(Errc::kInternal, "SigningKey: no key");
  SigningKey k;
  if (EVP_PKEY_up_ref(key) != 1) return ossl::Internal("EVP_PKEY_up_ref");
  k.key_.reset(key);
  if (EVP_PKEY_up_ref(verify_key) != 1) return ossl::Internal("EVP_PKEY_up_ref");
  k.verify_key_.reset(verify_key);
  k.md_ = md;
  CA_TRY(auto sign, InitSign(key, md));
  CA_TRY(auto verify, InitVerify(verify_key, md));
  // Templates only if both copy (and a copy signs what the key verifies: checked by the caller's
  // self-test through Sign and Verify).
  if (Copy(sign.get()) && Copy(verify.get())) {
    k.sign_template_ = std::move(sign);
    k.verify_template_ = std::move(verify);
  }
  return k;
}

Result<ossl::UniquePtr<EVP_MD_CTX>> SigningKey::SignContext() const {
  if (sign_template_) {
    if (auto ctx = Copy(sign_template_.get())) return ctx;
    return ossl::Internal("EVP_MD_CTX_copy_ex (sign)");
  }
  return InitSign(key_.get(), md_);
}

Result<ossl::UniquePtr<EVP_MD_CTX>> SigningKey::VerifyContext() const {
  if (verify_template_) {
    if (auto ctx = Copy(verify_template_.get())) return ctx;
    return ossl::Internal("EVP_MD_CTX_copy_ex (verify)");
  }
  return InitVerify(verify_key_.get(), md_);
}

Result<Bytes> SigningKey::Sign(ByteView data) const {
  CA_TRY(auto ctx, SignContext());
  const int max = EVP_PKEY_get_size(key_.get());
  if (max <= 0) return ossl::Internal("EVP_PKEY_get_size");
  Bytes sig(static_cast<size_t>(max));
  size_t len = sig.size();
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, data.data(), data.size()) != 1) {
    return ossl::Internal("EVP_DigestSign");
  }
  sig.resize(len);
  return sig;
}

Result<bool> SigningKey::Verify(ByteView data, ByteView signature) const {
  CA_TRY(auto ctx, VerifyContext());
  const int rc = EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), data.data(), data.size());
  if (rc < 0) return ossl::Internal("EVP_DigestVerify");
  ERR_clear_error();  // a bad signature leaves an error on the queue
  return rc == 1;
}

}  // namespace ca::issuance
