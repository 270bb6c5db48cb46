#include "issuance/ca_init.h"
#include "ossl/error.h"
#include "ossl/types.h"

namespace ca::issuance {

std::optional<KeyType> KeyTypeFrom(const std::string& s) {
  if (s == "ec-p256") return KeyType::kEcP256;
  if (s == "ec-p384") return KeyType::kEcP384;
  if (s == "rsa-3072") return KeyType::kRsa3072;
  if (s == "ed25519") return KeyType::kEd25519;
  return std::nullopt;
}

Result<ossl::UniquePtr<EVP_PKEY>> GenerateKey(KeyType t) {
  ossl::UniquePtr<EVP_PKEY> key;
  switch (t) {
    case KeyType::kEcP256:
      key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
      break;
    case KeyType::kEcP384:
      key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
      break;
    case KeyType::kRsa3072:
      key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(3072)));
      break;
    case KeyType::kEd25519:
      key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
      break;
  }
  if (!key) return ossl::Internal("key generation failed");
  return key;
}

}  // namespace ca::issuance
