#pragma once
// Android Key Attestation: the KeyDescription extension (OID 1.3.6.1.4.1.11129.2.1.17) of a
// Keystore/KeyMint attestation certificate (source.android.com/docs/security/features/keystore/
// attestation; shared/spec/device-attest.md §4):
//
//   KeyDescription ::= SEQUENCE {
//     attestationVersion INTEGER, attestationSecurityLevel SecurityLevel,
//     keyMintVersion INTEGER, keyMintSecurityLevel SecurityLevel,
//     attestationChallenge OCTET STRING, uniqueId OCTET STRING,
//     softwareEnforced AuthorizationList, hardwareEnforced AuthorizationList }
//   SecurityLevel ::= ENUMERATED { Software(0), TrustedEnvironment(1), StrongBox(2) }
//   AuthorizationList ::= SEQUENCE { every member OPTIONAL and EXPLICIT [n] }
//   RootOfTrust ::= SEQUENCE { verifiedBootKey OCTET STRING, deviceLocked BOOLEAN,
//     verifiedBootState ENUMERATED { Verified(0), SelfSigned(1), Unverified(2), Failed(3) },
//     verifiedBootHash OCTET STRING -- attestation version 3 and later }
//
// Parsing only (no trust decision), with der::Reader. Decisions:
//   - Only the AuthorizationList members below are read; every other tag (the list grows with each
//     Android release) is skipped, but must still be well-formed DER. A tag seen twice in one list
//     is refused, and so is a list with more than kMaxAuthorizations members.
//   - Ascending tag order (which DER implies for these SEQUENCEs) is not enforced; duplicates are.
//   - Nothing may follow the last member of any SEQUENCE; the extension is at most
//     kMaxKeyDescriptionBytes, the challenge at most kMaxChallengeBytes (Keystore's own limit).
//   - Errors are Errc::kMalformed, detail "KeyDescription: <what> at offset N" (N counts from the
//     start of the extnValue contents).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>

#include "common/bytes.h"
#include "common/result.h"

namespace ca::attestation {

inline constexpr const char* kKeyDescriptionOid = "1.3.6.1.4.1.11129.2.1.17";
inline constexpr size_t kMaxKeyDescriptionBytes = 32 * 1024;
inline constexpr size_t kMaxChallengeBytes = 128;
inline constexpr size_t kMaxAuthorizations = 128;

enum class SecurityLevel : uint8_t { kSoftware = 0, kTrustedEnvironment = 1, kStrongBox = 2 };
enum class VerifiedBootState : uint8_t { kVerified = 0, kSelfSigned = 1, kUnverified = 2, kFailed = 3 };

struct RootOfTrust {
  Bytes verified_boot_key;
  bool device_locked = false;
  VerifiedBootState verified_boot_state = VerifiedBootState::kFailed;
  std::optional<Bytes> verified_boot_hash;
};

// AuthorizationList holds the members we use; absent members stay nullopt / empty.
struct AuthorizationList {
  std::set<int64_t> purpose;                 // [1]   SET OF INTEGER
  std::optional<int64_t> algorithm;          // [2]   1 RSA, 3 EC, ...
  std::optional<int64_t> key_size;           // [3]
  std::optional<int64_t> origin;             // [702] 0 GENERATED, 2 IMPORTED, ...
  std::optional<RootOfTrust> root_of_trust;  // [704]
  std::optional<int64_t> os_version;         // [705] e.g. 150000 for Android 15
  std::optional<int64_t> os_patch_level;     // [706] YYYYMM
  std::optional<Bytes> attestation_id_serial;  // [713]
  std::optional<int64_t> vendor_patch_level;   // [718] YYYYMMDD
  std::optional<int64_t> boot_patch_level;     // [719] YYYYMMDD
};

struct KeyDescription {
  int64_t attestation_version = 0;
  SecurityLevel attestation_security_level = SecurityLevel::kSoftware;
  int64_t keymint_version = 0;
  SecurityLevel keymint_security_level = SecurityLevel::kSoftware;
  Bytes attestation_challenge;
  Bytes unique_id;
  AuthorizationList software_enforced;
  AuthorizationList hardware_enforced;
};

// ParseKeyDescription parses the extnValue contents of the KeyDescription extension.
Result<KeyDescription> ParseKeyDescription(ByteView der);

}  // namespace ca::attestation
