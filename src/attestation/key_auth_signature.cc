#include "attestation/key_auth_signature.h"

#include "ossl/types.h"

namespace ca::attestation {

Result<void> CheckKeyAuthSignature(EVP_PKEY* key, ByteView sig, std::string_view key_authorization,
                                   const std::string& format) {
  auto bad = [&format](const std::string& d) { return Fail(Errc::kBadAttestation, format + ": " + d); };
  if (key == nullptr) return bad("leaf public key cannot be read");
  const EVP_MD* md = nullptr;
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_EC: {
      char group[64] = {};
      size_t len = 0;
      if (EVP_PKEY_get_group_name(key, group, sizeof(group), &len) != 1 || std::string_view(group, len) != "prime256v1") {
        ERR_clear_error();
        return bad("attested EC key is not P-256; only P-256 can sign the key authorization");
      }
      md = EVP_sha256();
      break;
    }
    case EVP_PKEY_RSA:
      md = EVP_sha256();  // PKCS#1 v1.5 is the default padding
      break;
    case EVP_PKEY_ED25519:
      break;  // pure Ed25519 over the raw message
    default:
      return bad("attested key type cannot sign the key authorization (want EC P-256, RSA or Ed25519)");
  }
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  if (!ctx) return Fail(Errc::kInternal, "EVP_MD_CTX_new");
  const ByteView msg = AsBytes(key_authorization);
  const bool ok = EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) == 1 &&
                  EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), msg.data(), msg.size()) == 1;
  ERR_clear_error();
  if (!ok) return bad("signature over the key authorization does not verify");
  return Ok();
}

}  // namespace ca::attestation
