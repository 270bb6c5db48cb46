#pragma once
// YubiKey PIV attestation, device-attest-01 attestation statement format "step" (step-ca's vendor
// format; smallstep/certificates acme/challenge.go doStepAttestationFormat, client smallstep/cli
// utils/cautils/acmeutils.go; shared/spec/device-attest.md §2). attStmt:
//   alg  COSE algorithm of sig (-7 ES256, -257 RS256, -8 EdDSA); ignored, as step-ca does: the
//        attested key's type decides how sig is checked
//   sig  a CBOR byte string wrapping the signature (the attStmt member is itself CBOR-encoded)
//   x5c  [slot attestation certificate (leaf), f9 device certificate, intermediates...]
#include <string_view>

#include "attestation/attested_device.h"
#include "attestation/object.h"
#include "attestation/roots.h"
#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"

namespace ca::attestation {

// VerifyStep checks a YubiKey PIV attestation and returns the attested device.
//
//   1. x5c (leaf first) verifies to roots at time `at` (VerifyChain). BuiltinRoots("step") holds
//      both Yubico PIV roots and the 2024 intermediates; YubiKey 4 chains fail here by design (see
//      roots.cc).
//   2. The leaf is read (ParseStepLeaf).
//   3. sig (required) = CBOR bstr(signature) by the attested leaf key over key_authorization:
//      ECDSA P-256 (DER signature over SHA-256(keyAuth)), RSA PKCS#1 v1.5 with SHA-256, or Ed25519
//      over the raw keyAuth. Any other key type (e.g. P-384 slots) cannot answer: step-ca only
//      accepts these three.
//
// Errors are Errc::kBadAttestation with a detail starting "step: ".
Result<AttestedDevice> VerifyStep(const AttStmt& st, std::string_view key_authorization, const TrustRoots& roots,
                                  UnixTime at);

// ParseStepLeaf reads a slot attestation certificate (DER) without any trust decision; only
// VerifyStep's result may be relied on.
//   identifiers  {"serial", decimal} from 1.3.6.1.4.1.41482.3.7 (DER INTEGER, required; the
//                Smallstep managed-device extension is not supported)
//   facts        firmware     41482.3.3 (3 bytes)          "5.7.4"
//                pin_policy   41482.3.8 byte 0             "never" | "once" | "always"
//                touch_policy 41482.3.8 byte 1             "never" | "always" | "cached"
//                form_factor  41482.3.9 (1 byte)           "USB-A keychain", "USB-C nano", ...;
//                             flag 0x80 appends " (FIPS)", 0x40 " (CSPN)"
//                Unknown policy / form factor codes are kept as their decimal value. Each fact
//                only when its extension is present.
//   spki_der / spki_sha256_hex  the leaf key.
// A repeated YubiKey extension, or one of the wrong size, is refused.
Result<AttestedDevice> ParseStepLeaf(ByteView leaf_der);

}  // namespace ca::attestation
