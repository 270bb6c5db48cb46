#pragma once
// Google's Android attestation certificate status list
// (https://android.googleapis.com/attestation/status; developer.android.com
// privacy-and-security/security-key-attestation#certificate_status):
//
//   {"entries": {"<serial, lowercase hex>": {"status": "REVOKED" | "SUSPENDED",
//                                            "reason": "KEY_COMPROMISE" | ..., ...}, ...}}
//
// This file only parses bytes; where they come from (a file today, Google's URL later) is the
// caller's business (validation/android_status_source.h).
#include <map>
#include <memory>
#include <string>

#include "common/bytes.h"
#include "common/result.h"

namespace ca::attestation {

inline constexpr size_t kMaxStatusListBytes = 16 * 1024 * 1024;

struct StatusEntry {
  std::string status;  // "REVOKED" or "SUSPENDED" (other values are kept: any listing refuses)
  std::string reason;  // may be empty
};

// StatusList maps a certificate serial (lowercase hex, no leading zeros) to its entry.
struct StatusList {
  std::map<std::string, StatusEntry> entries;
};

// RevocationStatus is what an android-key check knows about revocation at one moment:
//   configured == false         no list configured: nothing is checked
//   list != nullptr             check every chain certificate against it
//   list == nullptr             configured but unavailable: refuse everything, saying `unavailable`
struct RevocationStatus {
  bool configured = false;
  std::shared_ptr<const StatusList> list;
  std::string unavailable;
};

// ParseStatusList parses the JSON. Keys are normalised (lowercase, leading zeros dropped) and must
// be hex; every entry must be an object with a string "status". Errors: kMalformed.
Result<StatusList> ParseStatusList(ByteView json);

// SerialKey renders a certificate serial's magnitude (big-endian) as a StatusList key.
std::string SerialKey(ByteView serial_magnitude);

}  // namespace ca::attestation
