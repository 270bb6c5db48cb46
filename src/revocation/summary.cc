#include "revocation/summary.h"

#include "revocation/reason.h"

namespace ca::revocation {

const char* StatusAt(const core::CertRecord& c, UnixTime now) {
  if (c.revoked_at) return "revoked";
  return c.not_after > now ? "valid" : "expired";
}

std::optional<std::string> DeviceIdOf(const core::CertRecord& c) {
  if (!c.attestation) return std::nullopt;
  auto j = nlohmann::json::parse(*c.attestation, nullptr, false);
  if (!j.is_object() || !j.contains("device_id") || !j["device_id"].is_string()) return std::nullopt;
  return j["device_id"].get<std::string>();
}

nlohmann::json CertSummary(const core::CertRecord& c, UnixTime now) {
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& id : c.identifiers) ids.push_back({{"type", id.type}, {"value", id.value}});
  nlohmann::json j = {{"serial", c.serial_hex},
                      {"id", c.id},
                      {"status", StatusAt(c, now)},
                      {"not_before", Rfc3339(c.not_before)},
                      {"not_after", Rfc3339(c.not_after)},
                      {"identifiers", std::move(ids)},
                      {"provisioner", c.provisioner},
                      {"account_id", c.account_id}};
  if (auto dev = DeviceIdOf(c)) j["device_id"] = *dev;
  if (c.revoked_at) {
    j["revoked_at"] = Rfc3339(*c.revoked_at);
    j["revocation_reason"] = std::string(ReasonName(c.revocation_reason));
  }
  return j;
}

nlohmann::json DeviceSummary(const core::Device& d) {
  return {{"id", d.id},
          {"type", d.type},
          {"identifier", d.identifier},
          {"state", core::ToString(d.state)},
          {"owner", d.owner},
          {"note", d.note},
          {"created_at", Rfc3339(d.created_at)},
          {"updated_at", Rfc3339(d.updated_at)}};
}

}  // namespace ca::revocation
