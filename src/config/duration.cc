// ParseDuration: "90d", "24h", "30m", "45s", combinations ("1h30m") and bare seconds ("3600").
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "config/config.h"

namespace ca::config {

std::optional<uint32_t> ParseDuration(const std::string& s) {
  if (s.empty()) return std::nullopt;
  constexpr uint64_t kMax = std::numeric_limits<uint32_t>::max();
  uint64_t total = 0;
  size_t i = 0;
  bool saw_unit = false;
  while (i < s.size()) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    uint64_t n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      n = n * 10 + static_cast<uint64_t>(s[i] - '0');
      if (n > kMax) return std::nullopt;
      ++i;
    }
    uint64_t mult = 0;
    if (i == s.size()) {
      if (saw_unit) return std::nullopt;  // "1h30" is ambiguous
      mult = 1;                           // bare integer: seconds
    } else {
      switch (s[i]) {
        case 'd':
          mult = 86400;
          break;
        case 'h':
          mult = 3600;
          break;
        case 'm':
          mult = 60;
          break;
        case 's':
          mult = 1;
          break;
        default:
          return std::nullopt;
      }
      ++i;
      saw_unit = true;
    }
    total += n * mult;  // n, mult <= 2^32, so no 64-bit overflow
    if (total > kMax) return std::nullopt;
  }
  return static_cast<uint32_t>(total);
}

}  // namespace ca::config
