#include "acme/jwk.h"

#include <openssl/core_names.h>

#include <bit>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "ossl/error.h"
#include "ossl/pem.h"
#include "ossl/types.h"

namespace ca::acme {
namespace {

using nlohmann::json;

struct Curve {
  const char* crv;         // JWK name (RFC 7518 §6.2.1.1)
  const char* group;       // OpenSSL group name
  size_t field_bytes;
};
constexpr Curve kCurves[] = {
    {"P-256", "prime256v1", 32},
    {"P-384", "secp384r1", 48},
    {"P-521", "secp521r1", 66},
};

constexpr size_t kMinRsaBits = 2048;
constexpr size_t kMaxRsaBits = 8192;
constexpr size_t kMaxRsaExponentBytes = 4;  // e < 2^32 keeps verification cheap

// RFC 7517 §4 / RFC 7518 §6.2.2, §6.3.2, RFC 8037 §2: members that only private keys carry.
constexpr const char* kPrivateMembers[] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};

// StringMember reads a required string member; kMalformed when absent or not a string.
Result<std::string> StringMember(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) return Fail(Errc::kMalformed, std::string("JWK lacks \"") + name + "\"");
  if (!it->is_string()) return Fail(Errc::kMalformed, std::string("JWK \"") + name + "\" is not a string");
  return it->get<std::string>();
}

// B64Member reads a required base64url (unpadded, canonical) member.
Result<Bytes> B64Member(const json& j, const char* name) {
  CA_TRY(std::string s, StringMember(j, name));
  auto b = Base64UrlDecode(s);
  if (!b) return Fail(Errc::kMalformed, std::string("JWK \"") + name + "\" is not base64url");
  return std::move(*b);
}

Result<Jwk> Finish(ossl::UniquePtr<EVP_PKEY> key, std::string kty, std::string crv, const json& canonical) {
  Jwk out;
  out.key = std::move(key);
  out.kty = std::move(kty);
  out.crv = std::move(crv);
  out.canonical_json = canonical.dump();  // std::map keys: sorted; dump(): no whitespace
  out.thumbprint = Base64UrlEncode(ossl::Sha256(AsBytes(out.canonical_json)));
  return out;
}

Result<Jwk> ParseEc(const json& j) {
  CA_TRY(std::string crv, StringMember(j, "crv"));
  const Curve* curve = nullptr;
  for (const auto& c : kCurves) {
    if (crv == c.crv) curve = &c;
  }
  if (curve == nullptr) return Fail(Errc::kBadPublicKey, "unsupported EC curve (accepted: P-256 P-384 P-521)");
  CA_TRY(Bytes x, B64Member(j, "x"));
  CA_TRY(Bytes y, B64Member(j, "y"));
  if (x.size() != curve->field_bytes || y.size() != curve->field_bytes) {
    return Fail(Errc::kMalformed, "JWK EC coordinates must be exactly the field size");
  }
  Bytes point;
  point.reserve(1 + 2 * curve->field_bytes);
  point.push_back(0x04);  // SEC 1 §2.3.3 uncompressed
  point.insert(point.end(), x.begin(), x.end());
  point.insert(point.end(), y.begin(), y.end());

  auto imported = ossl::EcPublicKey(curve->group, point);
  if (!imported) {
    if (imported.error().code != Errc::kBadPublicKey) return Fail(imported.error());
    return Fail(Errc::kBadPublicKey, "JWK EC point is not on the curve");
  }
  ossl::UniquePtr<EVP_PKEY> key = std::move(*imported);
  ossl::UniquePtr<EVP_PKEY_CTX> check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check) return ossl::Internal("EVP_PKEY_CTX_new_from_pkey");
  if (EVP_PKEY_public_check(check.get()) != 1) {
    ERR_clear_error();
    return Fail(Errc::kBadPublicKey, "JWK EC point is not a valid public key");
  }
  json canonical = {{"crv", crv}, {"kty", "EC"}, {"x", Base64UrlEncode(x)}, {"y", Base64UrlEncode(y)}};
  return Finish(std::move(key), "EC", crv, canonical);
}

Result<Jwk> ParseRsa(const json& j) {
  CA_TRY(Bytes n, B64Member(j, "n"));
  CA_TRY(Bytes e, B64Member(j, "e"));
  // RFC 7518 §6.3.1.1: minimal big-endian octets, so no leading zero (and not empty).
  if (n.empty() || n[0] == 0) return Fail(Errc::kMalformed, "JWK RSA \"n\" must not be empty or start with a zero octet");
  if (e.empty() || e[0] == 0) return Fail(Errc::kMalformed, "JWK RSA \"e\" must not be empty or start with a zero octet");
  const size_t bits = (n.size() - 1) * 8 + static_cast<size_t>(std::bit_width(n[0]));
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return Fail(Errc::kBadPublicKey, "RSA modulus must be 2048 to 8192 bits, got " + std::to_string(bits));
  }
  if ((n.back() & 1) == 0) return Fail(Errc::kBadPublicKey, "RSA modulus is even");
  if (e.size() > kMaxRsaExponentBytes) return Fail(Errc::kBadPublicKey, "RSA public exponent is too large");
  if ((e.back() & 1) == 0 || (e.size() == 1 && e[0] < 3)) {
    return Fail(Errc::kBadPublicKey, "RSA public exponent must be odd and at least 3");
  }
  ossl::UniquePtr<BIGNUM> bn_n(BN_bin2bn(n.data(), static_cast<int>(n.size()), nullptr));
  ossl::UniquePtr<BIGNUM> bn_e(BN_bin2bn(e.data(), static_cast<int>(e.size()), nullptr));
  ossl::UniquePtr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return ossl::Internal("OSSL_PARAM_BLD (RSA)");
  }
  ossl::UniquePtr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld.get()));
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return ossl::Internal("EVP_PKEY_fromdata_init (RSA)");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ERR_clear_error();
    return Fail(Errc::kBadPublicKey, "JWK RSA key is not valid");
  }
  // No EVP_PKEY_public_check here: for RSA it runs a Miller-Rabin round over n, which an
  // unauthenticated client could make us do for 8192-bit moduli at will.
  ossl::UniquePtr<EVP_PKEY> key(raw);
  json canonical = {{"e", Base64UrlEncode(e)}, {"kty", "RSA"}, {"n", Base64UrlEncode(n)}};
  return Finish(std::move(key), "RSA", "", canonical);
}

Result<Jwk> ParseOkp(const json& j) {
  CA_TRY(std::string crv, StringMember(j, "crv"));
  if (crv != "Ed25519") return Fail(Errc::kBadPublicKey, "unsupported OKP curve (accepted: Ed25519)");
  CA_TRY(Bytes x, B64Member(j, "x"));
  if (x.size() != 32) return Fail(Errc::kMalformed, "JWK Ed25519 \"x\" must be 32 octets");
  ossl::UniquePtr<EVP_PKEY> key(EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr, x.data(), x.size()));
  if (!key) {
    ERR_clear_error();
    return Fail(Errc::kBadPublicKey, "JWK Ed25519 key is not valid");
  }
  json canonical = {{"crv", crv}, {"kty", "OKP"}, {"x", Base64UrlEncode(x)}};
  return Finish(std::move(key), "OKP", crv, canonical);
}

Result<Bytes> BnParam(EVP_PKEY* key, const char* name, size_t pad_to) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) return ossl::Internal(std::string("EVP_PKEY_get_bn_param ") + name);
  ossl::UniquePtr<BIGNUM> bn(raw);
  const size_t len = pad_to != 0 ? pad_to : static_cast<size_t>(BN_num_bytes(bn.get()));
  Bytes out(len);
  if (BN_bn2binpad(bn.get(), out.data(), static_cast<int>(len)) < 0) return ossl::Internal("BN_bn2binpad");
  return out;
}

}  // namespace

Result<Jwk> ParseJwk(const json& j) {
  if (!j.is_object()) return Fail(Errc::kMalformed, "JWK is not a JSON object");
  for (const char* m : kPrivateMembers) {
    if (j.contains(m)) return Fail(Errc::kMalformed, std::string("JWK carries private key member \"") + m + "\"");
  }
  CA_TRY(std::string kty, StringMember(j, "kty"));
  if (kty == "EC") return ParseEc(j);
  if (kty == "RSA") return ParseRsa(j);
  if (kty == "OKP") return ParseOkp(j);
  return Fail(Errc::kBadPublicKey, "unsupported JWK key type (accepted: EC RSA OKP)");
}

Result<Jwk> JwkFromPublicKey(EVP_PKEY* key) {
  if (key == nullptr) return Fail(Errc::kInternal, "JwkFromPublicKey: null key");
  json j;
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[64] = {};
    size_t len = 0;
    if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) != 1) return ossl::Internal("EVP_PKEY_get_group_name");
    const Curve* curve = nullptr;
    for (const auto& c : kCurves) {
      if (std::strcmp(group, c.group) == 0) curve = &c;
    }
    if (curve == nullptr) return Fail(Errc::kBadPublicKey, std::string("unsupported EC group ") + group);
    CA_TRY(Bytes x, BnParam(key, OSSL_PKEY_PARAM_EC_PUB_X, curve->field_bytes));
    CA_TRY(Bytes y, BnParam(key, OSSL_PKEY_PARAM_EC_PUB_Y, curve->field_bytes));
    j = {{"kty", "EC"}, {"crv", curve->crv}, {"x", Base64UrlEncode(x)}, {"y", Base64UrlEncode(y)}};
  } else if (EVP_PKEY_is_a(key, "RSA")) {
    CA_TRY(Bytes n, BnParam(key, OSSL_PKEY_PARAM_RSA_N, 0));
    CA_TRY(Bytes e, BnParam(key, OSSL_PKEY_PARAM_RSA_E, 0));
    j = {{"kty", "RSA"}, {"n", Base64UrlEncode(n)}, {"e", Base64UrlEncode(e)}};
  } else if (EVP_PKEY_is_a(key, "ED25519")) {
    Bytes x(32);
    size_t len = x.size();
    if (EVP_PKEY_get_raw_public_key(key, x.data(), &len) != 1 || len != 32) {
      return ossl::Internal("EVP_PKEY_get_raw_public_key");
    }
    j = {{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", Base64UrlEncode(x)}};
  } else {
    return Fail(Errc::kBadPublicKey, "unsupported key type for JWK");
  }
  return ParseJwk(j);
}

}  // namespace ca::acme
