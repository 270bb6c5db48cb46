#include "der/oid.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

namespace ca::der {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

// Subidentifiers splits contents octets into base-128 subidentifiers; nullopt if malformed.
std::optional<std::vector<uint64_t>> Subidentifiers(ByteView content) {
  if (content.empty() || (content.back() & 0x80) != 0) return std::nullopt;
  std::vector<uint64_t> out;
  uint64_t v = 0;
  bool start = true;
  for (uint8_t b : content) {
    if (start && b == 0x80) return std::nullopt;  // non-minimal subidentifier
    if (v > (kMax >> 7)) return std::nullopt;     // does not fit in 64 bits
    v = (v << 7) | (b & 0x7f);
    start = (b & 0x80) == 0;
    if (start) {
      out.push_back(v);
      v = 0;
    }
  }
  return out;
}

std::optional<uint64_t> ParseArc(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  if (s.size() > 1 && s[0] == '0') return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    auto d = static_cast<uint64_t>(c - '0');
    if (v > (kMax - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

void AppendBase128(uint64_t v, Bytes* out) {
  uint8_t tmp[10];
  size_t n = 0;
  do {
    tmp[n++] = static_cast<uint8_t>(v & 0x7f);
    v >>= 7;
  } while (v != 0);
  while (n > 0) {
    --n;
    out->push_back(static_cast<uint8_t>(tmp[n] | (n > 0 ? 0x80 : 0x00)));
  }
}

}  // namespace

bool IsValidOid(ByteView content) { return Subidentifiers(content).has_value(); }

std::optional<std::string> OidToText(ByteView content) {
  auto subs = Subidentifiers(content);
  if (!subs || subs->empty()) return std::nullopt;
  std::string out;
  uint64_t first = subs->front();
  if (first < 40) {
    out = "0." + std::to_string(first);
  } else if (first < 80) {
    out = "1." + std::to_string(first - 40);
  } else {
    out = "2." + std::to_string(first - 80);
  }
  for (size_t i = 1; i < subs->size(); ++i) {
    out += '.';
    out += std::to_string((*subs)[i]);
  }
  return out;
}

std::optional<Bytes> OidFromText(std::string_view dotted) {
  std::vector<uint64_t> arcs;
  size_t pos = 0;
  while (true) {
    size_t dot = dotted.find('.', pos);
    auto arc = ParseArc(dotted.substr(pos, dot == std::string_view::npos ? dotted.npos : dot - pos));
    if (!arc) return std::nullopt;
    arcs.push_back(*arc);
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
  }
  if (arcs.size() < 2 || arcs[0] > 2) return std::nullopt;
  if (arcs[0] < 2 && arcs[1] >= 40) return std::nullopt;
  if (arcs[1] > kMax - arcs[0] * 40) return std::nullopt;
  Bytes out;
  AppendBase128(arcs[0] * 40 + arcs[1], &out);
  for (size_t i = 2; i < arcs.size(); ++i) AppendBase128(arcs[i], &out);
  return out;
}

bool OidEquals(ByteView content, std::string_view dotted) {
  auto want = OidFromText(dotted);
  return want && std::equal(content.begin(), content.end(), want->begin(), want->end());
}

}  // namespace ca::der
