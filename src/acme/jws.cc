#include "acme/jws.h"

#include <openssl/core_names.h>
#include <openssl/rsa.h>

#include <cstring>
#include <utility>

#include "common/base64.h"
#include "ossl/error.h"
#include "ossl/types.h"

namespace ca::acme {
namespace {

using nlohmann::json;

std::string AcceptedAlgList() {
  std::string out;
  for (const char* a : kAcceptedAlgs) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  return out;
}

bool IsAccepted(const std::string& alg) {
  for (const char* a : kAcceptedAlgs) {
    if (alg == a) return true;
  }
  return false;
}

Result<Bytes> DecodePart(const json& j, const char* name) {
  auto b = Base64UrlDecode(j.get_ref<const std::string&>());
  if (!b) return Fail(Errc::kMalformed, std::string("JWS \"") + name + "\" is not unpadded base64url");
  return std::move(*b);
}

// ParseFlattened implements RFC 7515 §7.2.2 (flattened serialization) and RFC 8555 §6.2.
Result<Jws> ParseFlattened(const json& body, bool allow_hmac) {
  if (!body.is_object()) return Fail(Errc::kMalformed, "JWS is not a JSON object");
  const auto p = body.find("protected");
  const auto pl = body.find("payload");
  const auto s = body.find("signature");
  if (body.size() != 3 || p == body.end() || pl == body.end() || s == body.end()) {
    return Fail(Errc::kMalformed, "JWS must use the flattened JSON serialization without an unprotected header");
  }
  if (!p->is_string() || !pl->is_string() || !s->is_string()) {
    return Fail(Errc::kMalformed, "JWS \"protected\", \"payload\" and \"signature\" must be strings");
  }
  Jws jws;
  jws.protected_b64 = p->get<std::string>();
  jws.payload_b64 = pl->get<std::string>();
  CA_TRY(Bytes prot, DecodePart(*p, "protected"));
  CA_TRY(Bytes payload, DecodePart(*pl, "payload"));
  CA_TRY(jws.signature, DecodePart(*s, "signature"));
  if (prot.empty()) return Fail(Errc::kMalformed, "JWS protected header is empty");
  jws.payload = ToString(payload);

  auto header = ParseJsonBounded(AsChars(prot));
  if (!header) return Fail(Errc::kMalformed, "JWS protected header is not valid JSON: " + header.error().detail);
  if (!header->is_object()) return Fail(Errc::kMalformed, "JWS protected header is not a JSON object");
  jws.header = std::move(*header);
  const json& h = jws.header;

  const auto alg = h.find("alg");
  if (alg == h.end() || !alg->is_string()) return Fail(Errc::kMalformed, "JWS protected header lacks \"alg\"");
  jws.alg = alg->get<std::string>();
  if (!IsAccepted(jws.alg) && !(allow_hmac && jws.alg == "HS256")) {
    return Fail(Errc::kBadSignatureAlgorithm,
                "JWS algorithm \"" + jws.alg.substr(0, 16) + "\" is not supported; accepted: " + AcceptedAlgList());
  }
  // RFC 7515 §4.1.11: we understand no extensions, so any "crit" is fatal.
  if (h.contains("crit")) return Fail(Errc::kMalformed, "JWS \"crit\" header parameters are not supported");

  const auto url = h.find("url");
  if (url == h.end() || !url->is_string()) return Fail(Errc::kMalformed, "JWS protected header lacks \"url\"");
  jws.url = url->get<std::string>();

  const auto jwk = h.find("jwk");
  const auto kid = h.find("kid");
  const bool has_jwk = jwk != h.end();
  const bool has_kid = kid != h.end();
  if (has_jwk == has_kid) {
    return Fail(Errc::kMalformed, "JWS protected header must carry exactly one of \"jwk\" and \"kid\"");
  }
  if (has_jwk) {
    if (!jwk->is_object()) return Fail(Errc::kMalformed, "JWS \"jwk\" is not a JSON object");
    jws.jwk = *jwk;
  } else {
    if (!kid->is_string()) return Fail(Errc::kMalformed, "JWS \"kid\" is not a string");
    jws.kid = kid->get<std::string>();
  }

  const auto nonce = h.find("nonce");
  if (nonce != h.end()) {
    if (!nonce->is_string()) return Fail(Errc::kMalformed, "JWS \"nonce\" is not a string");
    jws.nonce = nonce->get<std::string>();
  }
  if (jws.signature.empty()) return Fail(Errc::kMalformed, "JWS signature is empty");
  return jws;
}

struct AlgSpec {
  const char* alg;
  const char* md;        // nullptr: EdDSA (no pre-hash)
  const char* key_type;  // EVP_PKEY_is_a name
  const char* group;     // EC group, else nullptr
  size_t ec_field_bytes;
  bool pss;
};
constexpr AlgSpec kAlgSpecs[] = {
    {"ES256", "SHA256", "EC", "prime256v1", 32, false},
    {"ES384", "SHA384", "EC", "secp384r1", 48, false},
    {"ES512", "SHA512", "EC", "secp521r1", 66, false},
    {"RS256", "SHA256", "RSA", nullptr, 0, false},
    {"PS256", "SHA256", "RSA", nullptr, 0, true},
    {"EdDSA", nullptr, "ED25519", nullptr, 0, false},
};

bool KeySuits(const AlgSpec& spec, EVP_PKEY* key) {
  if (!EVP_PKEY_is_a(key, spec.key_type)) return false;
  if (spec.group == nullptr) return true;
  char group[64] = {};
  size_t len = 0;
  if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) != 1) {
    ERR_clear_error();
    return false;
  }
  return std::strcmp(group, spec.group) == 0;
}

// RawToDerEcdsa converts JWS r||s (RFC 7518 §3.4) to a DER ECDSA-Sig-Value for OpenSSL.
Result<Bytes> RawToDerEcdsa(const Bytes& raw, size_t field) {
  if (raw.size() != 2 * field) {
    return Fail(Errc::kMalformed, "JWS ECDSA signature must be " + std::to_string(2 * field) + " octets");
  }
  ossl::UniquePtr<BIGNUM> r(BN_bin2bn(raw.data(), static_cast<int>(field), nullptr));
  ossl::UniquePtr<BIGNUM> s(BN_bin2bn(raw.data() + field, static_cast<int>(field), nullptr));
  ossl::UniquePtr<ECDSA_SIG> sig(ECDSA_SIG_new());
  if (!r || !s || !sig) return ossl::Internal("ECDSA_SIG_new");
  if (ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return ossl::Internal("ECDSA_SIG_set0");
  (void)r.release();
  (void)s.release();
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return ossl::Internal("i2d_ECDSA_SIG");
  Bytes der(static_cast<size_t>(len));
  unsigned char* out = der.data();
  if (i2d_ECDSA_SIG(sig.get(), &out) != len) return ossl::Internal("i2d_ECDSA_SIG");
  return der;
}

}  // namespace

Result<Jws> ParseJws(std::string_view body) {
  CA_TRY(json j, ParseJsonBounded(body));
  return ParseFlattened(j, /*allow_hmac=*/false);
}

Result<Jws> ParseJwsAllowHmac(const json& flattened) { return ParseFlattened(flattened, /*allow_hmac=*/true); }

Result<void> VerifyJws(const Jws& jws, EVP_PKEY* key) {
  if (key == nullptr) return Fail(Errc::kInternal, "VerifyJws: null key");
  const AlgSpec* spec = nullptr;
  for (const auto& s : kAlgSpecs) {
    if (jws.alg == s.alg) spec = &s;
  }
  if (spec == nullptr) {
    return Fail(Errc::kBadSignatureAlgorithm, "JWS algorithm is not supported; accepted: " + AcceptedAlgList());
  }
  if (!KeySuits(*spec, key)) {
    return Fail(Errc::kBadSignatureAlgorithm, "JWS algorithm " + jws.alg + " does not match the account key type");
  }
  Bytes sig = jws.signature;
  if (spec->ec_field_bytes != 0) {
    CA_TRY(sig, RawToDerEcdsa(jws.signature, spec->ec_field_bytes));
  }
  const std::string input = jws.protected_b64 + "." + jws.payload_b64;

  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  if (!ctx) return ossl::Internal("EVP_MD_CTX_new");
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (EVP_DigestVerifyInit_ex(ctx.get(), &pctx, spec->md, nullptr, nullptr, key, nullptr) != 1) {
    return ossl::Internal("EVP_DigestVerifyInit_ex");
  }
  if (spec->pss) {
    // RFC 7518 §3.5: MGF1 with the same hash; the salt is the hash length, but like go-jose we
    // accept any salt length the signer picked.
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, "SHA256", nullptr) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) != 1) {
      return ossl::Internal("RSA-PSS parameters");
    }
  } else if (EVP_PKEY_is_a(key, "RSA")) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) return ossl::Internal("RSA padding");
  }
  const int rc = EVP_DigestVerify(ctx.get(), sig.data(), sig.size(),
                                  reinterpret_cast<const unsigned char*>(input.data()), input.size());
  if (rc != 1) {
    ERR_clear_error();
    return Fail(Errc::kMalformed, "JWS signature is invalid");
  }
  return Ok();
}

Result<void> VerifyHs256(const Jws& jws, ByteView hmac_key) {
  if (jws.alg != "HS256") return Fail(Errc::kMalformed, "external account binding JWS must use HS256");
  if (hmac_key.empty()) return Fail(Errc::kUnauthorized, "external account binding key is empty");
  const std::string input = jws.protected_b64 + "." + jws.payload_b64;
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t mac_len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, hmac_key.data(), hmac_key.size(),
                reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, sizeof mac,
                &mac_len) == nullptr) {
    return ossl::Internal("EVP_Q_mac HMAC-SHA256");
  }
  if (!ConstantTimeEqual(jws.signature, ByteView(mac, mac_len))) {
    return Fail(Errc::kUnauthorized, "external account binding JWS signature is invalid");
  }
  return Ok();
}

}  // namespace ca::acme
