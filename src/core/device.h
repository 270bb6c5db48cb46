#pragma once
// Device: one entry of the device inventory that device-attest-01 checks (draft-ietf-acme-device-attest-09).
// An attested device may get a certificate only if an entry with its identifier exists and is active.
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"
#include "core/identifier.h"

namespace ca::core {

// The identifier types (kPermanentIdentifier, kHardwareModule) are in core/identifier.h.

// DeviceState: active devices may enroll; suspended ones may not until resumed; revoked is final.
enum class DeviceState { kActive, kSuspended, kRevoked };
const char* ToString(DeviceState s);
std::optional<DeviceState> DeviceStateFrom(const std::string& s);

struct Device {
  std::string id;          // random, URL-safe (base64url)
  std::string identifier;  // the ACME identifier value, compared octet for octet (e.g. "C02XXXX",
                           // "C02XXXX/1.2.3.4", or "serial/hwType-OID" for a hardware module)
  std::string type = "permanent-identifier";  // or "hardware-module" (draft -09 §3 identifier types)
  std::string owner;                          // free text, usually an e-mail address
  std::string note;
  DeviceState state = DeviceState::kActive;
  UnixTime created_at = 0;
  UnixTime updated_at = 0;
};

// IsDottedOid tells whether s is a dotted-decimal OID as the draft's ABNF writes it: at least two
// arcs, the first 0, 1 or 2, the second <= 39 under 0 and 1, no leading zeros.
bool IsDottedOid(std::string_view s);

// ValidateDeviceIdentifier checks value against the draft -09 ABNF for type (kMalformed + detail):
//   permanent-identifier: device-identifier-value ["/" assigner-value]
//     device-identifier-value = 1*(%x00-2E / %x30-FF)   (any UTF-8 but "/")
//   hardware-module: hw-serial-num-value "/" hw-type-value   (the OID is mandatory since -09)
// Values must be valid UTF-8. Unknown types are kUnsupportedIdentifier.
Result<void> ValidateDeviceIdentifier(std::string_view type, std::string_view value);

}  // namespace ca::core
