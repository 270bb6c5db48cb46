#pragma once
// Revoker: the one door through which every revocation passes (ACME revokeCert, `attestca cert
// revoke`, `attestca device revoke`, the admin API). It checks the reason, records the revocation in
// the store (which OCSP, and CRLs, read live) and writes one audit line per certificate naming who
// asked. Callers do their own authorization first. In the server, an after-commit hook re-signs the
// OCSP answers and the CRL before Revoke* returns (so the revoker's answer comes after them).
#include <functional>
#include <span>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "core/cert_record.h"
#include "revocation/reason.h"
#include "storage/store.h"

namespace ca::revocation {

// Actor names who revoked, for the audit line: kind is "acme-account", "acme-cert-key", "cli",
// "admin-token" or "admin-cert"; id is the account id, token id, certificate serial, or OS user.
struct Actor {
  std::string kind;
  std::string id;
  Authority authority = Authority::kOperator;
  std::string Describe() const { return id.empty() ? kind : kind + ":" + id; }
};

// NormalizeSerial turns what an operator types (any case, colons, leading zeros, "0x") into the
// store's key (lowercase minimal hex); kMalformed if it is not hex.
Result<std::string> NormalizeSerial(std::string_view text);

// RevokedHook runs after a revocation committed and before Revoke* returns, with the certificates
// it revoked (one, or all of a device's). Best effort: the revocation stands whatever it does (it
// logs its own failures; what it throws is caught and logged), and OCSP's per-request status check
// remains the safety net, as for revocations made by another process (the CLI).
using RevokedHook = std::function<void(std::span<const core::CertRecord> revoked)>;

class Revoker final {
 public:
  Revoker(storage::Store& store, const Clock& clock, RevokedHook after_commit = nullptr)
      : store_(store), clock_(clock), after_commit_(std::move(after_commit)) {}

  // RevokeSerial revokes the certificate with this serial (normalized first). kNotFound,
  // kAlreadyRevoked, kBadRevocationReason.
  Result<core::CertRecord> RevokeSerial(std::string_view serial, int reason, const Actor& who);
  // Revoke revokes a certificate the caller has already looked up and authorized.
  Result<core::CertRecord> Revoke(core::CertRecord rec, int reason, const Actor& who);
  // RevokeDevice revokes every certificate of the device and the device itself (one transaction).
  Result<storage::DeviceRevocation> RevokeDevice(const std::string& device_id, int reason, const Actor& who);

 private:
  void AfterCommit(std::span<const core::CertRecord> revoked) const;

  storage::Store& store_;
  const Clock& clock_;
  RevokedHook after_commit_;
};

}  // namespace ca::revocation
