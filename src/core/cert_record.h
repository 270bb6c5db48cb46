#pragma once
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "core/identifier.h"

namespace ca::core {

// CertRecord is an issued certificate as stored (committed before its URL is handed out).
struct CertRecord {
  std::string id;          // URL id
  std::string serial_hex;  // lowercase, as in the certificate
  std::string account_id;
  std::string order_id;
  std::string provisioner;
  Bytes der;
  std::string chain_pem;  // leaf + intermediate, what the certificate URL serves
  UnixTime not_before = 0;
  UnixTime not_after = 0;
  std::string spki_sha256_hex;
  std::vector<Identifier> identifiers;
  std::optional<UnixTime> revoked_at;
  int revocation_reason = 0;  // RFC 5280 CRLReason
  // device-attest-01 certificates: the verified attestation (JSON: format, spki_der, identifiers,
  // facts) that the certificate was issued on.
  std::optional<std::string> attestation;
};

// RevokedCert: one entry of a CRL, as the store lists it.
struct RevokedCert {
  std::string serial_hex;
  UnixTime revoked_at = 0;
  int reason = 0;
  UnixTime not_after = 0;
};

}  // namespace ca::core
