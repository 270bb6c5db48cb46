#include "attestation/android_status.h"

#include <nlohmann/json.hpp>

namespace ca::attestation {
namespace {

// NormaliseSerial lowercases hex and drops leading zeros ("0" stays); nullopt if not hex.
std::optional<std::string> NormaliseSerial(const std::string& s) {
  if (s.empty() || s.size() > 128) return std::nullopt;
  std::string out;
  for (char c : s) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
    if (out.empty() && c == '0') continue;
    out += c;
  }
  return out.empty() ? "0" : out;
}

}  // namespace

std::string SerialKey(ByteView serial_magnitude) {
  auto key = NormaliseSerial(Hex(serial_magnitude));
  return key ? *key : "0";
}

Result<StatusList> ParseStatusList(ByteView json) {
  if (json.size() > kMaxStatusListBytes) return Fail(Errc::kMalformed, "status list: larger than 16 MiB");
  // No exceptions: parse(..., allow_exceptions = false) yields a discarded value on bad input.
  const auto doc = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
  if (doc.is_discarded()) return Fail(Errc::kMalformed, "status list: not JSON");
  if (!doc.is_object()) return Fail(Errc::kMalformed, "status list: not a JSON object");
  auto entries = doc.find("entries");
  if (entries == doc.end() || !entries->is_object()) {
    return Fail(Errc::kMalformed, "status list: no \"entries\" object");
  }
  StatusList out;
  for (const auto& [key, value] : entries->items()) {
    auto serial = NormaliseSerial(key);
    if (!serial) return Fail(Errc::kMalformed, "status list: entry key \"" + key.substr(0, 80) + "\" is not a hex serial");
    if (!value.is_object()) return Fail(Errc::kMalformed, "status list: entry " + *serial + " is not an object");
    auto status = value.find("status");
    if (status == value.end() || !status->is_string()) {
      return Fail(Errc::kMalformed, "status list: entry " + *serial + " has no string \"status\"");
    }
    StatusEntry e;
    e.status = status->get<std::string>();
    if (auto reason = value.find("reason"); reason != value.end() && reason->is_string()) {
      e.reason = reason->get<std::string>();
    }
    out.entries[*serial] = std::move(e);
  }
  return out;
}

}  // namespace ca::attestation
