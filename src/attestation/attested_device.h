#pragma once
// AttestedDevice: what every device-attest-01 format verifier (apple, tpm, android-key, step)
// returns once the attestation has been checked (draft-ietf-acme-device-attest-09 §5: trusted
// authority, attested key, attested device identifiers). Plain data; policy decides what to do with
// the facts.
#include <map>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "core/identifier.h"

namespace ca::attestation {

// AttestedIdentifier is one device identifier the attestation vouches for. kind says which
// (apple: "serial", "udid"; step: "serial"; tpm: the ACME identifier type "permanent-identifier" or
// "hardware-module", with value in ACME form); value is the attested text, octet for octet.
struct AttestedIdentifier {
  std::string kind;
  std::string value;

  friend bool operator==(const AttestedIdentifier&, const AttestedIdentifier&) = default;
};

// AttestedDevice is a verified attestation.
//   format           the attStmt format ("apple", ...).
//   identifiers      attested device identifiers, in a fixed order per format.
//   spki_der         the attested public key as a SubjectPublicKeyInfo (the CSR key must equal it).
//   spki_sha256_hex  lowercase hex SHA-256 of spki_der.
//   facts            posture facts, format specific, absent when the attestation omits them
//                    (apple: os_version, sep_os_version, llb_version, software_update_device_id,
//                    sip, secure_boot, third_party_kexts; see attestation/apple.h).
//   chain_der        the certificate chain as presented (leaf first), for audit and policy hooks.
struct AttestedDevice {
  std::string format;
  std::vector<AttestedIdentifier> identifiers;
  Bytes spki_der;
  std::string spki_sha256_hex;
  std::map<std::string, std::string> facts;
  std::vector<Bytes> chain_der;
};

// Names tells whether dev attests the order identifier id:
//   - an identifier attested with its ACME type (tpm) must equal id in type and value, octet for
//     octet ("C02X/1.2.3" is not "C02X");
//   - a bare serial or UDID (apple, step) must equal id's value before any "/OID" (the vendor attests
//     no assigner or hwType).
bool Names(const AttestedDevice& dev, const core::Identifier& id);

}  // namespace ca::attestation
