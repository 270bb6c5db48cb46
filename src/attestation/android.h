#pragma once
// Android Key Attestation, device-attest-01 attestation statement format "android-key" (WebAuthn
// §8.4 layout as step-ca's client sends it; smallstep/certificates doAndroidKeyAttestationFormat;
// shared/spec/device-attest.md §2 and §4). attStmt:
//   alg  COSE algorithm of sig; ignored, as step-ca does: the attested key's type decides
//   sig  signature by the attested key over the key authorization (plain bytes, not CBOR-wrapped
//        as in "step")
//   x5c  [attestation certificate (leaf), intermediates..., optionally the root]
#include <string_view>

#include "attestation/android_status.h"
#include "attestation/attested_device.h"
#include "attestation/key_description.h"
#include "attestation/object.h"
#include "attestation/roots.h"
#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"

namespace ca::attestation {

// VerifyAndroidKey checks an Android Key Attestation and returns the attested device.
//
//   1. Revocation: when a status list is configured but unavailable, refuse (fail closed).
//   2. x5c verifies to roots at `at`, anchors tried one by one by signature (Google's four RSA roots
//      share subject and key identifier); the leaf's placeholder dates are not checked, every
//      other certificate's are (VerifyChainPath).
//   3. Every certificate of the verified path (leaf to anchor) is looked up in the status list by
//      serial; a listed one is refused, naming serial and status.
//   4. The KeyDescription used is the one of the certificate closest to the root that carries it
//      (Google's rule: a genuine attested key can sign a forged leaf below itself). It must be the
//      leaf: a chain where a certificate above the leaf carries one (KeyMint ATTEST_KEY chains) is
//      refused, so the attested key is always x5c[0]'s.
//   5. attestationSecurityLevel and keyMintSecurityLevel are TrustedEnvironment or StrongBox.
//   6. attestationChallenge == key_authorization bytes (constant time; step-ca compares the raw
//      key authorization, not a hash of it).
//   7. sig (required) verifies with the leaf key over key_authorization (CheckKeyAuthSignature).
//   8. Identifier {"serial", attestationIdSerial [713]} from the hardware-enforced list only
//      (printable ASCII, required: Device ID attestation).
//   9. Facts (AndroidFacts), RootOfTrust from the hardware-enforced list only.
//
// Errors are Errc::kBadAttestation with a detail starting "android-key: ".
Result<AttestedDevice> VerifyAndroidKey(const AttStmt& st, std::string_view key_authorization, const TrustRoots& roots,
                                        UnixTime at, const RevocationStatus& revocation);

// AndroidFacts renders a KeyDescription as posture facts:
//   security_level       "tee" | "strongbox" (the lower of attestation and KeyMint levels;
//                        "software" never reaches policy, VerifyAndroidKey refuses it)
//   attestation_version  decimal
//   verified_boot_state  "verified" | "self-signed" | "unverified" | "failed"  (RootOfTrust)
//   device_locked        "true" | "false"                                      (RootOfTrust)
//   os_version           decimal as attested (150000 = Android 15; 0 on unreleased builds)
//   os_patch_level       YYYYMM, vendor_patch_level / boot_patch_level YYYYMMDD or YYYYMM,
//                        each only when attested
// All from the hardware-enforced list; absent members give no fact (posture rules fail closed).
std::map<std::string, std::string> AndroidFacts(const KeyDescription& kd);

// ReadKeyDescription finds and parses the KeyDescription extension of a certificate (DER); nullopt
// when the certificate has none. Errors: kBadAttestation "android-key: ...".
Result<std::optional<KeyDescription>> ReadKeyDescription(ByteView cert_der);

}  // namespace ca::attestation
