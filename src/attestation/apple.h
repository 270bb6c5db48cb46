#pragma once
// Apple Managed Device Attestation, device-attest-01 attestation statement format "apple"
// (draft-ietf-acme-device-attest-09 §4 and Appendix; Apple device-management
// mdm/commands/information.device.yaml DevicePropertiesAttestation; Apple Platform Security,
// "Managed device attestation"). attStmt = { x5c: [leaf, Apple Enterprise Attestation Sub CA 1] };
// there is no signature: the leaf certifies the Secure Enclave key, and the CSR signature at
// finalize proves possession of it.
#include <optional>
#include <string_view>
#include <vector>

#include "attestation/attested_device.h"
#include "attestation/roots.h"
#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"

namespace ca::attestation {

// VerifyApple checks an Apple MDA chain and returns the attested device.
//
//   1. x5c (leaf first) verifies to roots at time `at` (VerifyChain).
//   2. Freshness: extension 1.2.840.113635.100.8.11.1 holds 32 raw bytes that must equal
//      SHA-256(token), the challenge token's ASCII (ietf-03+: Apple signs before the account key is
//      known, so the token alone, not the key authorization). Compared in constant time. If the
//      extension is absent the attestation is refused unless require_nonce is false (step-ca skips
//      the check when absent; Fleet requires it). A present nonce is always checked, whatever
//      require_nonce says: a mismatch means a replayed or foreign attestation.
//   3. Identifiers: serial 1.2.840.113635.100.8.9.1 (required; User Enrollment omits it and is
//      refused) -> {"serial", v}; UDID 1.2.840.113635.100.8.9.2 (optional) -> {"udid", v}.
//   4. Facts, each only when present and non-empty:
//        os_version                8.10.1        sep_os_version  8.10.2      llb_version 8.10.3
//        software_update_device_id 8.9.4
//        secure_boot               8.13.2  "full" | "reduced" | "permissive" (other text verbatim)
//        sip                       8.13.1  "true" when System Integrity Protection is enabled (0)
//        third_party_kexts         8.13.3  "true" when third-party kernel extensions are allowed
//   5. Attested key: the leaf's SubjectPublicKeyInfo.
//
// Encoding (observed on all six real leaves in shared/vectors, macOS 15.5 and 26.x): every extnValue
// is the raw value, not inner DER: ASCII text for 9.x/10.x/13.2, a DER INTEGER for 13.1 and 13.3
// (`02 01 00`), 32 raw bytes for 11.1. Text must be printable ASCII; a repeated Apple extension is
// refused.
//
// Errors are Errc::kBadAttestation with a detail starting "apple: ".
Result<AttestedDevice> VerifyApple(const std::vector<Bytes>& x5c, std::string_view token, bool require_nonce,
                                   const TrustRoots& roots, UnixTime at);

// AppleLeaf is what ParseAppleLeaf reads from a leaf: the device (identifiers, facts, key; no
// chain) and the raw 8.11.1 value if present.
struct AppleLeaf {
  AttestedDevice device;
  std::optional<Bytes> nonce;
};

// ParseAppleLeaf reads steps 3-5 above from a leaf certificate (DER) without any trust or freshness
// decision; only VerifyApple's result may be relied on. Same errors as VerifyApple.
Result<AppleLeaf> ParseAppleLeaf(ByteView leaf_der);
// The same on a parsed leaf (VerifyApple passes the one its chain check parsed).
Result<AppleLeaf> ParseAppleLeaf(X509* leaf);

}  // namespace ca::attestation
