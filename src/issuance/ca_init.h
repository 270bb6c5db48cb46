#pragma once
// CreateCa makes a new root CA (20 years), an intermediate CA (10 years, pathlen 0) and a TLS server
// certificate for the CA's own names, as `attestca init` writes them.
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/rng.h"
#include "ossl/unique.h"

namespace ca::issuance {

enum class KeyType { kEcP256, kEcP384, kRsa3072, kEd25519 };
std::optional<KeyType> KeyTypeFrom(const std::string& s);  // "ec-p256", "ec-p384", "rsa-3072", "ed25519"
Result<ossl::UniquePtr<EVP_PKEY>> GenerateKey(KeyType t);

struct CaOptions {
  std::string name = "attestca";  // "<name> Root CA", "<name> Intermediate CA"
  KeyType key_type = KeyType::kEcP256;
  std::vector<std::string> tls_names = {"localhost"};  // DNS names and IP literals for the server cert
  std::string passphrase;  // empty: keys written unencrypted (the files are 0600 either way)
};

struct CaMaterial {
  std::string root_cert_pem;
  std::string root_key_pem;
  std::string intermediate_cert_pem;
  std::string intermediate_key_pem;
  std::string tls_chain_pem;  // TLS leaf (1 year, EC P-256, serverAuth) + intermediate
  std::string tls_key_pem;    // never encrypted: the server loads it unattended
};

Result<CaMaterial> CreateCa(const CaOptions& opts, Rng& rng, UnixTime now);

}  // namespace ca::issuance
