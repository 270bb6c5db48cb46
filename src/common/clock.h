#pragma once
// Clock: the only source of "now". Times are Unix seconds (UTC) throughout the domain.
#include <cstdint>
#include <string>

namespace ca {

using UnixTime = int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixTime Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  UnixTime Now() const override;
};

// Rfc3339 formats t as "2006-01-02T15:04:05Z" (RFC 3339, as RFC 8555 §7.1 uses).
std::string Rfc3339(UnixTime t);
// ParseRfc3339 accepts "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)"; returns false on anything else.
bool ParseRfc3339(const std::string& s, UnixTime* out);

}  // namespace ca
