#pragma once
// TPM 2.0 key attestation, device-attest-01 attestation statement format "tpm" (WebAuthn §8.3;
// step-ca doTPMAttestationFormat, shared/spec/device-attest.md §2). attStmt:
//   ver       "2.0"
//   alg       COSE algorithm of sig: -257 RS256, -37 PS256, -7 ES256, -35 ES384, -36 ES512, and
//             -65535 RS1 (RSASSA-PKCS1-v1_5 with SHA-1: what Windows Hello TPMs send). Others are
//             refused. RS*/PS* need an RSA AK, ES* an EC AK.
//   x5c       [AK certificate, intermediates...] DER
//   sig       the raw signature over certInfo by the AK (RSASSA/PSS: the modulus-sized signature;
//             ECDSA: a DER Ecdsa-Sig-Value), as WebAuthn sends it, not a TPMT_SIGNATURE
//   certInfo  TPMS_ATTEST from TPM2_Certify of the attested key by the AK
//   pubArea   TPMT_PUBLIC of the attested key
// Freshness: certInfo.extraData (TPM2_Certify's qualifyingData) == SHA-256(key authorization).
#include <string_view>

#include "attestation/attested_device.h"
#include "attestation/object.h"
#include "attestation/roots.h"
#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"

namespace ca::attestation {

// VerifyTpm checks a TPM attestation and returns the attested device. In order:
//   1. ver, alg, x5c, sig, certInfo, pubArea are present and non-empty (each its own detail); ver is
//      "2.0"; alg is one of the above.
//   2. x5c verifies to roots at time `at` (VerifyChain). BuiltinRoots("tpm") is empty: only the
//      organisation's attestation CA, from configuration, can vouch for an AK.
//   3. AK certificate profile (WebAuthn §8.3.1): version 3, empty subject, not a CA, EKU contains
//      tcg-kp-AIKCertificate 2.23.133.8.3, SAN directoryName with non-empty TPM manufacturer
//      2.23.133.2.1, model 2.23.133.2.2 and version 2.23.133.2.3 (one RDN each as the TCG profile
//      says, or all three in one multi-valued RDN as older Windows AIK certificates have them).
//   4. Device identifiers from the SAN's otherNames (see below); none is refused ("the AK
//      certificate names no device identifier").
//   5. certInfo and pubArea parse (tpm_structs.h: TPM_GENERATED_VALUE, TPM_ST_ATTEST_CERTIFY).
//   6. sig verifies over certInfo with the AK certificate key per alg.
//   7. certInfo.extraData == SHA-256(key_authorization), compared in constant time.
//   8. certInfo.attested.name == Name(pubArea) (nameAlg || H_nameAlg(pubArea)).
//   9. The attested key is fixedTPM, fixedParent and sensitiveDataOrigin, and not restricted (a
//      restricted key signs only TPM-made structures, so it cannot be a certificate key).
//  10. The attested key is RSA >= 2048 bits or ECC P-256/P-384/P-521.
// Identifiers (AttestedIdentifier.kind is the ACME identifier type, value its ACME text):
//   PermanentIdentifier 1.3.6.1.5.5.7.8.3 -> {"permanent-identifier", "id" or "id/assigner-OID"}
//   HardwareModuleName  1.3.6.1.5.5.7.8.4 -> {"hardware-module", "serial/hwType-OID"}, the serial
//     verbatim when it is printable ASCII without "/", else lowercase hex of its octets.
//   Each value must satisfy the draft -09 ABNF (core::ValidateDeviceIdentifier).
// Facts: tpm_manufacturer, tpm_model, tpm_version (SAN text as encoded, e.g. "id:53544D20"),
// tpm_firmware_version (certInfo firmwareVersion, "0x" + hex), key_type ("RSA-2048", "EC-P256").
// Attested key: the pubArea key as SubjectPublicKeyInfo.
//
// Errors are Errc::kBadAttestation with a detail starting "tpm: ".
Result<AttestedDevice> VerifyTpm(const AttStmt& st, std::string_view key_authorization, const TrustRoots& roots,
                                 UnixTime at);

// VerifyTpmWithExtraData is VerifyTpm with the expected extraData given directly and WITHOUT step 4's
// requirement (identifiers are still read and validated when present). It exists so the real
// WebAuthn samples (extraData = hash(authData || clientDataHash), no device identifier) can run the
// whole pipeline in tests; device-attest-01 uses VerifyTpm only.
Result<AttestedDevice> VerifyTpmWithExtraData(const AttStmt& st, ByteView expected_extra_data, const TrustRoots& roots,
                                              UnixTime at);

}  // namespace ca::attestation
