#pragma once
// Decoding of the device-attest-01 attestation object (draft-ietf-acme-device-attest §5: the
// challenge response is {"attObj": base64url(CBOR)}), whose layout is WebAuthn §6.5.4:
//
//   attObj = {
//     "fmt": text,              ; attestation statement format identifier (WebAuthn §8.1)
//     "attStmt": { * key => any },  ; format-specific
//     ? "authData": bytes,      ; unused by ACME, SHOULD be omitted; accepted and ignored
//   }
//
// This is syntax only: no certificate is parsed and no signature is checked; each format
// verifier (apple.cc, tpm.cc, ...) checks which members its format requires.
//
// Decisions:
//   - Unknown top-level keys and unknown attStmt members are ignored (step-ca decodes into a Go
//     struct, which ignores them too); known members with the wrong type are refused.
//   - `fmt` must be 1..32 printable US-ASCII characters without '"' or '\' (WebAuthn §8.1), so it
//     is safe to echo in problem details and logs. It is kept as sent (no case folding).
//   - `authData`, when present, must be a byte string; its content is not kept.
//   - An empty `x5c` array decodes to an empty vector (verifiers report "x5c is empty" as step-ca
//     does); each certificate must be non-empty and there may be at most kMaxX5c.
//   - CBOR strictness and limits are those of cbor::Parse with default cbor::Limits (64 KiB).
//   - Errors are Errc::kMalformed (STYLE 4.3: parsers only return kMalformed) with a detail such as
//     "attObj: attStmt.x5c[1]: CBOR: expected byte string, got text string at offset 40". The
//     device-attest-01 validator maps every failure to badAttestationStatement
//     (Errc::kBadAttestation), as the draft requires.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"

namespace ca::attestation {

inline constexpr size_t kMaxX5c = 10;
inline constexpr size_t kMaxFmtLength = 32;

// AttStmt holds the attStmt members of the formats we know, typed (WebAuthn §8.2 packed,
// §8.3 tpm, §8.4 android-key, §8.5 android-safetynet, §8.6 fido-u2f, §8.8 apple; Apple MDA and
// step-ca's "step" format, see shared/spec/device-attest.md §2).
struct AttStmt {
  std::optional<int64_t> alg;      // COSE algorithm (packed, tpm, android-key, step)
  std::optional<Bytes> sig;        // step: itself a CBOR byte string (cbor::Parse(sig)->AsBytes())
  std::vector<Bytes> x5c;          // DER certificates, leaf first; empty when absent
  std::optional<std::string> ver;  // tpm: "2.0"; android-safetynet: Play Services version
  std::optional<Bytes> cert_info;  // tpm "certInfo": TPMS_ATTEST
  std::optional<Bytes> pub_area;   // tpm "pubArea": TPMT_PUBLIC
  std::optional<Bytes> response;   // android-safetynet: the JWS, as bytes
};

struct AttestationObject {
  std::string fmt;
  AttStmt att_stmt;
};

// DecodeAttestationObject decodes the CBOR attestation object of a device-attest-01 response.
Result<AttestationObject> DecodeAttestationObject(ByteView cbor);

}  // namespace ca::attestation
