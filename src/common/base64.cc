#include "common/base64.h"

#include <array>

namespace ca {
namespace {

constexpr char kStd[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Encode(ByteView in, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8) | in[i + 2];
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    out.push_back(alphabet[v & 63]);
  }
  size_t rest = in.size() - i;
  if (rest == 1) {
    uint32_t v = uint32_t{in[i]} << 16;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    if (pad) out += "==";
  } else if (rest == 2) {
    uint32_t v = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8);
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    if (pad) out += "=";
  }
  return out;
}

std::array<int8_t, 256> Table(const char* alphabet) {
  std::array<int8_t, 256> t{};
  t.fill(-1);
  for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(alphabet[i])] = static_cast<int8_t>(i);
  return t;
}

// Decode strips padding (when allowed), then decodes strictly: non-zero trailing bits are refused
// so that every value has exactly one encoding.
std::optional<Bytes> Decode(std::string_view in, const std::array<int8_t, 256>& table, bool allow_padding,
                            bool require_padding) {
  size_t pad = 0;
  while (!in.empty() && in.back() == '=') {
    in.remove_suffix(1);
    ++pad;
  }
  if (pad > 0 && !allow_padding) return std::nullopt;
  if (pad > 2) return std::nullopt;
  if (in.size() % 4 == 1) return std::nullopt;
  if (pad > 0 && (in.size() + pad) % 4 != 0) return std::nullopt;
  if (require_padding && in.size() % 4 != 0 && (in.size() + pad) % 4 != 0) return std::nullopt;
  Bytes out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int8_t v = table[static_cast<uint8_t>(c)];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>((acc >> bits) & 0xff));
    }
  }
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace

std::string Base64UrlEncode(ByteView in) { return Encode(in, kUrl, false); }

std::optional<Bytes> Base64UrlDecode(std::string_view in, bool allow_padding) {
  static const auto table = Table(kUrl);
  return Decode(in, table, allow_padding, false);
}

std::string Base64Encode(ByteView in) { return Encode(in, kStd, true); }

std::optional<Bytes> Base64Decode(std::string_view in) {
  static const auto table = Table(kStd);
  return Decode(in, table, true, true);
}

}  // namespace ca
