#pragma once
// JWK (RFC 7517/7518) public keys as ACME accounts use them, and RFC 7638 thumbprints.
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "common/result.h"
#include "ossl/unique.h"

namespace ca::acme {

struct Jwk {
  ossl::UniquePtr<EVP_PKEY> key;
  std::string kty;             // "EC", "RSA", "OKP"
  std::string crv;             // "P-256", "P-384", "P-521", "Ed25519" (EC/OKP)
  std::string canonical_json;  // RFC 7638 §3.2 members only, sorted, no whitespace (what we store)
  std::string thumbprint;      // base64url(SHA-256(canonical_json))
};

// ParseJwk accepts EC P-256/384/521, RSA (2048..8192 bits) and OKP Ed25519 public keys; private
// members ("d", "p", ...) are refused. Errors: kMalformed (shape), kBadPublicKey (unsupported/weak).
Result<Jwk> ParseJwk(const nlohmann::json& j);

// JwkFromPublicKey renders a key we hold as a JWK (tests, keyChange checks).
Result<Jwk> JwkFromPublicKey(EVP_PKEY* key);

}  // namespace ca::acme
