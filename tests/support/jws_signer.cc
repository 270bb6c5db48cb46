#include "support/jws_signer.h"

#include <openssl/core_names.h>
#include <openssl/rsa.h>

#include <cstring>
#include <stdexcept>

#include "common/base64.h"
#include "ossl/types.h"

namespace ca::testing {
namespace {

[[noreturn]] void Throw(const std::string& what) {
  ERR_clear_error();
  throw std::runtime_error("jws_signer: " + what);
}

size_t FieldBytes(EVP_PKEY* key) {
  char group[64] = {};
  size_t len = 0;
  if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) != 1) Throw("not an EC key");
  if (std::strcmp(group, "prime256v1") == 0) return 32;
  if (std::strcmp(group, "secp384r1") == 0) return 48;
  if (std::strcmp(group, "secp521r1") == 0) return 66;
  Throw(std::string("unsupported group ") + group);
}

Bytes DerToRaw(const Bytes& der, size_t field) {
  const unsigned char* p = der.data();
  ossl::UniquePtr<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) Throw("d2i_ECDSA_SIG");
  Bytes raw(2 * field);
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), raw.data(), static_cast<int>(field)) < 0 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), raw.data() + field, static_cast<int>(field)) < 0) {
    Throw("BN_bn2binpad");
  }
  return raw;
}

}  // namespace

ossl::UniquePtr<EVP_PKEY> GenerateTestKey(std::string_view kind) {
  EVP_PKEY* k = nullptr;
  if (kind == "P-256" || kind == "P-384" || kind == "P-521") {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", std::string(kind).c_str());
  } else if (kind.substr(0, 3) == "RSA") {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(std::stoul(std::string(kind.substr(3)))));
  } else if (kind == "Ed25519") {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  }
  if (k == nullptr) Throw("cannot generate key " + std::string(kind));
  return ossl::UniquePtr<EVP_PKEY>(k);
}

Bytes SignRaw(EVP_PKEY* key, std::string_view alg, std::string_view input) {
  const char* md = nullptr;
  bool ec = false;
  bool pss = false;
  if (alg == "ES256" || alg == "RS256" || alg == "PS256") md = "SHA256";
  if (alg == "ES384") md = "SHA384";
  if (alg == "ES512") md = "SHA512";
  if (alg.substr(0, 2) == "ES") ec = true;
  if (alg == "PS256") pss = true;
  if (md == nullptr && alg != "EdDSA") Throw("unknown alg " + std::string(alg));

  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestSignInit_ex(ctx.get(), &pctx, md, nullptr, nullptr, key, nullptr) != 1) {
    Throw("EVP_DigestSignInit_ex");
  }
  if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
              EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, "SHA256", nullptr) != 1 ||
              EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1)) {
    Throw("PSS parameters");
  }
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, data, input.size()) != 1) Throw("EVP_DigestSign (size)");
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, data, input.size()) != 1) Throw("EVP_DigestSign");
  sig.resize(len);
  return ec ? DerToRaw(sig, FieldBytes(key)) : sig;
}

nlohmann::json FlattenedJws(std::string protected_b64, std::string payload_b64, ByteView signature) {
  return {{"protected", std::move(protected_b64)},
          {"payload", std::move(payload_b64)},
          {"signature", Base64UrlEncode(signature)}};
}

nlohmann::json SignJwsJson(EVP_PKEY* key, const std::string& alg, const nlohmann::json& protected_header,
                           const std::string& payload) {
  nlohmann::json header = protected_header;
  header["alg"] = alg;
  std::string prot = Base64UrlEncode(header.dump());
  std::string pay = Base64UrlEncode(payload);
  Bytes sig;
  if (alg != "none") sig = SignRaw(key, alg, prot + "." + pay);
  return FlattenedJws(std::move(prot), std::move(pay), sig);
}

std::string SignJws(EVP_PKEY* key, const std::string& alg, const nlohmann::json& protected_header,
                    const std::string& payload) {
  return SignJwsJson(key, alg, protected_header, payload).dump();
}

nlohmann::json SignHs256Json(ByteView hmac_key, const nlohmann::json& protected_header, const std::string& payload) {
  nlohmann::json header = protected_header;
  header["alg"] = "HS256";
  std::string prot = Base64UrlEncode(header.dump());
  std::string pay = Base64UrlEncode(payload);
  const std::string input = prot + "." + pay;
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t mac_len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, hmac_key.data(), hmac_key.size(),
                reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, sizeof mac,
                &mac_len) == nullptr) {
    Throw("EVP_Q_mac");
  }
  return FlattenedJws(std::move(prot), std::move(pay), ByteView(mac, mac_len));
}

std::string SignHs256(ByteView hmac_key, const nlohmann::json& protected_header, const std::string& payload) {
  return SignHs256Json(hmac_key, protected_header, payload).dump();
}

}  // namespace ca::testing
