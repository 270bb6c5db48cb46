#pragma once
// Identifier (RFC 8555 §9.7.7): {"type": "dns"|"ip", "value": ...}. Later issues add
// permanent-identifier and hardware-module (draft-ietf-acme-device-attest).
#include <string>

namespace ca::core {

inline constexpr const char* kDns = "dns";
inline constexpr const char* kIp = "ip";
// draft-ietf-acme-device-attest-09 §3: "id[/assigner-OID]" and "serial/hwType-OID".
inline constexpr const char* kPermanentIdentifier = "permanent-identifier";
inline constexpr const char* kHardwareModule = "hardware-module";

inline bool IsDeviceIdentifierType(const std::string& type) {
  return type == kPermanentIdentifier || type == kHardwareModule;
}

struct Identifier {
  std::string type;
  std::string value;
  bool operator==(const Identifier&) const = default;
  auto operator<=>(const Identifier&) const = default;
};

}  // namespace ca::core
