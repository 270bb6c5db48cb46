#pragma once
// JWS (RFC 7515) in the flattened JSON serialization, as RFC 8555 §6.2 requires.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/bytes.h"
#include "common/json.h"
#include "common/result.h"
#include "ossl/unique.h"

namespace ca::acme {

// The accepted signature algorithms, listed in badSignatureAlgorithm problems.
inline constexpr const char* kAcceptedAlgs[] = {"ES256", "ES384", "ES512", "RS256", "PS256", "EdDSA"};

struct Jws {
  std::string protected_b64;  // as received (the signing input uses it verbatim)
  std::string payload_b64;
  Bytes signature;
  nlohmann::json header;  // decoded protected header
  std::string payload;    // decoded payload ("" for POST-as-GET)
  std::string alg;
  std::optional<nlohmann::json> jwk;
  std::optional<std::string> kid;
  std::optional<std::string> nonce;
  std::string url;
};

// ParseJsonBounded (common/json.h) parses untrusted JSON: depth <= 32, no duplicate keys.
using ::ca::ParseJsonBounded;

// ParseJws decodes a flattened JWS: exactly "protected", "payload", "signature" (an unprotected
// "header" is refused); protected header must carry alg, url, and exactly one of jwk/kid.
// Errors: kMalformed; kBadSignatureAlgorithm for "none", HS* or any alg not in kAcceptedAlgs.
// nonce presence is NOT checked here (EAB inner JWS has none); the caller does.
Result<Jws> ParseJws(std::string_view body);

// VerifyJws checks that alg suits the key (ES256<->P-256, ES384<->P-384, ES512<->P-521, RS256/PS256
// <->RSA, EdDSA<->Ed25519) and the signature over protected "." payload. Errors:
// kBadSignatureAlgorithm (alg/key mismatch), kMalformed (bad signature encoding or invalid signature).
Result<void> VerifyJws(const Jws& jws, EVP_PKEY* key);

// VerifyHs256 checks an EAB JWS (RFC 8555 §7.3.4): alg must be HS256 (kMalformed otherwise),
// signature = HMAC-SHA256(key, protected "." payload) compared in constant time (kUnauthorized).
// Use ParseJwsAllowHmac for the EAB JWS (it accepts HS256 and requires no nonce).
Result<Jws> ParseJwsAllowHmac(const nlohmann::json& flattened);
Result<void> VerifyHs256(const Jws& jws, ByteView hmac_key);

}  // namespace ca::acme
