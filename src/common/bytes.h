#pragma once
// Byte containers. Bytes is owned binary data; SecretBytes wipes itself on destruction.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ca {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

inline ByteView AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view AsChars(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline Bytes ToBytes(std::string_view s) { return Bytes(s.begin(), s.end()); }
inline std::string ToString(ByteView b) { return std::string(AsChars(b)); }

// SecretBytes holds key material (EAB HMAC keys, passphrases); OPENSSL_cleanse on destruction.
class SecretBytes final {
 public:
  SecretBytes() = default;
  explicit SecretBytes(Bytes b) : b_(std::move(b)) {}
  SecretBytes(const SecretBytes&) = default;
  SecretBytes& operator=(const SecretBytes&) = default;
  SecretBytes(SecretBytes&&) noexcept = default;
  SecretBytes& operator=(SecretBytes&&) noexcept = default;
  ~SecretBytes();
  ByteView view() const { return b_; }
  size_t size() const { return b_.size(); }
  bool empty() const { return b_.empty(); }

 private:
  Bytes b_;
};

// Hex encodes bytes as lowercase hexadecimal.
std::string Hex(ByteView b);

// ConstantTimeEqual compares two byte strings without an early exit on the first difference.
bool ConstantTimeEqual(ByteView a, ByteView b);

}  // namespace ca
