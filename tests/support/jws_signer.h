#pragma once
// Test-only JWS producer (RFC 7515 flattened JSON serialization) for any EVP_PKEY, so tests can
// build the requests an ACME client would send, including deliberately broken ones.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/bytes.h"
#include "ossl/unique.h"

namespace ca::testing {

// GenerateTestKey makes a fresh key: "P-256", "P-384", "P-521", "RSA2048" (any "RSA<bits>") or
// "Ed25519". Throws std::runtime_error on failure.
ossl::UniquePtr<EVP_PKEY> GenerateTestKey(std::string_view kind);

// SignRaw signs `input` as JWS alg `alg` would (ES* gives raw r||s sized to the key's curve,
// RS256 PKCS#1 v1.5, PS256 PSS salt 32, EdDSA Ed25519). Throws on an unknown alg or bad key.
Bytes SignRaw(EVP_PKEY* key, std::string_view alg, std::string_view input);

// FlattenedJws assembles {"protected","payload","signature"} from already-encoded parts.
nlohmann::json FlattenedJws(std::string protected_b64, std::string payload_b64, ByteView signature);

// SignJwsJson / SignJws: protected_header with "alg" set to `alg`, signed over
// b64(protected) "." b64(payload). alg "none" yields an empty signature.
nlohmann::json SignJwsJson(EVP_PKEY* key, const std::string& alg, const nlohmann::json& protected_header,
                           const std::string& payload);
std::string SignJws(EVP_PKEY* key, const std::string& alg, const nlohmann::json& protected_header,
                    const std::string& payload);

// SignHs256Json / SignHs256: an HMAC-SHA256 JWS (alg "HS256"), e.g. the EAB inner JWS of RFC 8555
// §7.3.4, whose payload is the account JWK.
nlohmann::json SignHs256Json(ByteView hmac_key, const nlohmann::json& protected_header, const std::string& payload);
std::string SignHs256(ByteView hmac_key, const nlohmann::json& protected_header, const std::string& payload);

}  // namespace ca::testing
