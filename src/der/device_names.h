#pragma once
// The device-identifier otherNames of a subjectAltName (draft-ietf-acme-device-attest-09 §3), read
// from the DER of their SEQUENCE (the otherName value):
//   PermanentIdentifier ::= SEQUENCE { identifierValue UTF8String OPTIONAL,
//                                      assigner OBJECT IDENTIFIER OPTIONAL }       -- RFC 4043
//   HardwareModuleName  ::= SEQUENCE { hwType OBJECT IDENTIFIER,
//                                      hwSerialNum OCTET STRING }                  -- RFC 4108
// Shared by the CSR check (policy/) and the TPM AK certificate (attestation/). Errors are
// kMalformed; callers add their context and code.
#include <string>

#include "common/bytes.h"
#include "common/result.h"

namespace ca::der {

inline constexpr const char* kIdOnPermanentIdentifier = "1.3.6.1.5.5.7.8.3";
inline constexpr const char* kIdOnHardwareModuleName = "1.3.6.1.5.5.7.8.4";

// PermanentIdentifierValue returns the ACME identifier value: identifierValue, then "/" and the
// dotted assigner OID when present ("" when identifierValue is absent).
Result<std::string> PermanentIdentifierValue(ByteView seq_der);

// HardwareModuleName is the decoded SEQUENCE; serial points into the input.
struct HardwareModuleName {
  std::string hw_type;  // dotted OID
  ByteView serial;      // hwSerialNum octets, as encoded
};
Result<HardwareModuleName> DecodeHardwareModuleName(ByteView seq_der);

}  // namespace ca::der
