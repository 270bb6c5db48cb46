#include "core/device.h"

#include <array>
#include <cstdint>

namespace ca::core {
namespace {

// The identifier types (core/identifier.h names them too, for ACME orders).
constexpr std::string_view kPermanent = "permanent-identifier";
constexpr std::string_view kHardware = "hardware-module";

constexpr std::array<const char*, 3> kStates = {"active", "suspended", "revoked"};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// IsArc: component = "0" / (%x31-39 *%x30-39). Arcs longer than 18 digits are refused (no OID
// registry uses them, and it keeps the value within int64).
bool IsArc(std::string_view a) {
  if (a.empty() || a.size() > 18) return false;
  for (char c : a) {
    if (!IsDigit(c)) return false;
  }
  return a.size() == 1 || a[0] != '0';
}

// IsUtf8 accepts well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
bool IsUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<uint8_t>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xC0u) != 0x80u) return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

}  // namespace

const char* ToString(DeviceState s) { return kStates[static_cast<size_t>(s)]; }

std::optional<DeviceState> DeviceStateFrom(const std::string& s) {
  for (size_t i = 0; i < kStates.size(); ++i) {
    if (s == kStates[i]) return static_cast<DeviceState>(i);
  }
  return std::nullopt;
}

bool IsDottedOid(std::string_view s) {
  std::array<std::string_view, 2> first{};
  size_t arcs = 0;
  while (true) {
    const size_t dot = s.find('.');
    const std::string_view arc = s.substr(0, dot);
    if (!IsArc(arc)) return false;
    if (arcs < 2) first[arcs] = arc;
    ++arcs;
    if (dot == std::string_view::npos) break;
    s.remove_prefix(dot + 1);
  }
  if (arcs < 2) return false;
  if (first[0] != "0" && first[0] != "1" && first[0] != "2") return false;
  if (first[0] != "2" && (first[1].size() > 2 || (first[1].size() == 2 && first[1] > "39"))) return false;
  return true;
}

Result<void> ValidateDeviceIdentifier(std::string_view type, std::string_view value) {
  const bool hw = type == kHardware;
  if (!hw && type != kPermanent) {
    return Fail(Errc::kUnsupportedIdentifier, "unknown device identifier type \"" + std::string(type) +
                                                  "\" (permanent-identifier or hardware-module)");
  }
  if (value.empty()) return Fail(Errc::kMalformed, "the identifier value is empty");
  if (!IsUtf8(value)) return Fail(Errc::kMalformed, "the identifier value is not valid UTF-8");
  const size_t slash = value.find('/');
  const std::string_view id = value.substr(0, slash);
  if (id.empty()) {
    return Fail(Errc::kMalformed, hw ? "the hardware serial number before \"/\" is empty"
                                     : "the device identifier before \"/\" is empty");
  }
  if (slash == std::string_view::npos) {
    if (hw) return Fail(Errc::kMalformed, "a hardware-module value is serial\"/\"hwType-OID; the \"/OID\" is missing");
    return Ok();
  }
  const std::string_view oid = value.substr(slash + 1);
  if (oid.find('/') != std::string_view::npos) {
    return Fail(Errc::kMalformed, "the identifier value holds more than one \"/\"");
  }
  if (!IsDottedOid(oid)) {
    return Fail(Errc::kMalformed, "\"" + std::string(oid) + "\" after \"/\" is not a dotted-decimal OID" +
                                      (hw ? " (hwType)" : " (assigner)"));
  }
  return Ok();
}

}  // namespace ca::core
