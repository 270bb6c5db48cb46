#include "common/bytes.h"

#include <openssl/crypto.h>

namespace ca {

SecretBytes::~SecretBytes() {
  if (!b_.empty()) OPENSSL_cleanse(b_.data(), b_.size());
}

std::string Hex(ByteView b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(b.size() * 2);
  for (uint8_t c : b) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

bool ConstantTimeEqual(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace ca
