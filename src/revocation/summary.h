#pragma once
// The JSON shape of a certificate and of a device in listings: `attestca cert list --json` and the
// admin API answer the same objects.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "core/cert_record.h"
#include "core/device.h"

namespace ca::revocation {

// StatusAt is "valid", "revoked" or "expired" at now.
const char* StatusAt(const core::CertRecord& c, UnixTime now);
// DeviceIdOf is the inventory device named by the certificate's evidence, if any.
std::optional<std::string> DeviceIdOf(const core::CertRecord& c);

// CertSummary: serial, id, status, not_before, not_after, identifiers, provisioner, account_id,
// device_id (device-attest-01 with an inventory), revoked_at and revocation_reason (when revoked).
nlohmann::json CertSummary(const core::CertRecord& c, UnixTime now);
// DeviceSummary: id, type, identifier, state, owner, note, created_at, updated_at.
nlohmann::json DeviceSummary(const core::Device& d);

}  // namespace ca::revocation
