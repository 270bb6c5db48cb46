#include "revocation/revoker.h"

#include <cctype>
#include <exception>

#include "common/log.h"

namespace ca::revocation {

Result<std::string> NormalizeSerial(std::string_view text) {
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) text.remove_prefix(2);
  std::string hex;
  for (char c : text) {
    if (c == ':') continue;
    if (std::isxdigit(static_cast<unsigned char>(c)) == 0 || hex.size() >= 64) {
      return Fail(Errc::kMalformed, "a serial number is hex digits (colons allowed), at most 64");
    }
    hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  const size_t first = hex.find_first_not_of('0');
  if (first == std::string::npos) return Fail(Errc::kMalformed, "a serial number is hex digits, not zero");
  hex.erase(0, first);
  if (hex.size() % 2 != 0) hex.insert(hex.begin(), '0');  // whole octets, as the issuer renders them
  return hex;
}

Result<core::CertRecord> Revoker::RevokeSerial(std::string_view serial, int reason, const Actor& who) {
  CA_TRY(auto key, NormalizeSerial(serial));
  auto rec = store_.GetCertificateBySerial(key);
  if (!rec) {
    if (rec.error().code == Errc::kNotFound) return Fail(Errc::kNotFound, "no certificate with serial " + key);
    return tl::unexpected(rec.error());
  }
  return Revoke(std::move(*rec), reason, who);
}

Result<core::CertRecord> Revoker::Revoke(core::CertRecord rec, int reason, const Actor& who) {
  CA_RETURN_IF_ERROR(CheckReason(reason, who.authority));
  if (rec.revoked_at) return Fail(Errc::kAlreadyRevoked, "certificate " + rec.serial_hex + " is already revoked");
  const UnixTime now = clock_.Now();
  CA_RETURN_IF_ERROR(store_.RevokeCertificate(rec.id, reason, now));
  rec.revoked_at = now;
  rec.revocation_reason = reason;
  log::Audit("certificate revoked serial={} reason={} ({}) by={}", rec.serial_hex, reason, ReasonName(reason),
             who.Describe());
  AfterCommit(std::span<const core::CertRecord>(&rec, 1));
  return rec;
}

Result<storage::DeviceRevocation> Revoker::RevokeDevice(const std::string& device_id, int reason,
                                                        const Actor& who) {
  CA_RETURN_IF_ERROR(CheckReason(reason, who.authority));
  auto done = store_.RevokeDevice(device_id, reason, clock_.Now());
  if (!done) {
    log::Audit("device revocation failed device={} by={} error={}", device_id, who.Describe(), done.error().detail);
    return done;
  }
  for (const auto& c : done->revoked) {
    log::Audit("certificate revoked serial={} reason={} ({}) by={} device={}", c.serial_hex, reason,
               ReasonName(reason), who.Describe(), device_id);
  }
  log::Audit("device revoked device={} identifier={} was={} certificates_revoked={} reason={} by={}", device_id,
             done->device.identifier, core::ToString(done->device.state), done->revoked.size(), reason,
             who.Describe());
  AfterCommit(done->revoked);
  return done;
}

void Revoker::AfterCommit(std::span<const core::CertRecord> revoked) const {
  if (!after_commit_ || revoked.empty()) return;
  try {
    after_commit_(revoked);
  } catch (const std::exception& e) {
    log::Error("revocation: after-commit hook failed: {}", e.what());
  } catch (...) {
    log::Error("revocation: after-commit hook failed");
  }
}

}  // namespace ca::revocation
