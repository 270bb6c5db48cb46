// Key policy (≈ Boulder goodkey): RSA 2048..8192 with e = 65537, EC P-256/P-384/P-521, Ed25519.
#include <string>

#include <openssl/core_names.h>

#include "ossl/error.h"
#include "ossl/types.h"
#include "policy/csr_check.h"

namespace ca::policy {
namespace {

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 8192;

Result<void> CheckRsa(EVP_PKEY* key) {
  int bits = EVP_PKEY_get_bits(key);
  if (bits < kMinRsaBits) {
    return Fail(Errc::kBadPublicKey,
                "RSA key of " + std::to_string(bits) + " bits is too small (minimum 2048)");
  }
  if (bits > kMaxRsaBits) {
    return Fail(Errc::kBadPublicKey,
                "RSA key of " + std::to_string(bits) + " bits is too large (maximum 8192)");
  }
  BIGNUM* e_raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e_raw) != 1) {
    ERR_clear_error();
    return Fail(Errc::kBadPublicKey, "RSA key has no readable public exponent");
  }
  ossl::UniquePtr<BIGNUM> e(e_raw);
  if (!BN_is_word(e.get(), 65537)) return Fail(Errc::kBadPublicKey, "RSA public exponent must be 65537");
  return Ok();
}

Result<void> CheckEc(EVP_PKEY* key) {
  char group[80] = {};
  size_t len = 0;
  if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) != 1) {
    ERR_clear_error();
    return Fail(Errc::kBadPublicKey, "EC key does not use a named curve");
  }
  std::string g(group, len);
  if (g != "prime256v1" && g != "secp384r1" && g != "secp521r1") {
    return Fail(Errc::kBadPublicKey, "EC curve " + g + " is not allowed (use P-256, P-384 or P-521)");
  }
  // The quick check (point on the curve, not at infinity) suffices: P-256, P-384 and P-521 have
  // cofactor 1, so every such point has the group's order and the full check only repeats a
  // scalar multiplication (~60 us) to confirm it (SP 800-56A Rev. 3: the order check is implied for cofactor 1).
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx || EVP_PKEY_public_check_quick(ctx.get()) != 1) {
    ERR_clear_error();
    return Fail(Errc::kBadPublicKey, "EC public key is not a valid point on its curve");
  }
  return Ok();
}

}  // namespace

Result<void> CheckKey(EVP_PKEY* key) {
  if (key == nullptr) return Fail(Errc::kBadPublicKey, "no public key");
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      return CheckRsa(key);
    case EVP_PKEY_EC:
      return CheckEc(key);
    case EVP_PKEY_ED25519:
      return Ok();
    default: {
      const char* name = EVP_PKEY_get0_type_name(key);
      return Fail(Errc::kBadPublicKey, std::string("key type ") + (name ? name : "unknown") +
                                           " is not allowed (use RSA, ECDSA P-256/P-384/P-521 or Ed25519)");
    }
  }
}

}  // namespace ca::policy
