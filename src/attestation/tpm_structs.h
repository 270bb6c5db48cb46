#pragma once
// TPM 2.0 structures of the WebAuthn "tpm" attestation statement (WebAuthn §8.3; TPM 2.0 Library
// Part 2 "Structures"): TPMS_ATTEST (certInfo, what TPM2_Certify signs) and TPMT_PUBLIC (pubArea,
// the certified key). Big-endian, TPM2B = UINT16 size || bytes. Syntax and key conversion only;
// tpm.h decides what is acceptable.
//
// Parsing is strict and bounded: every read is checked against what remains, every TPM2B against
// the largest size the TPM spec allows for it, and trailing bytes are refused. Errors are
// Errc::kMalformed with a detail naming the field and offset, e.g. "truncated in extraData at
// offset 40".
#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "common/result.h"
#include "ossl/unique.h"

namespace ca::attestation::tpm {

// Part 2 §6.2 TPM_GENERATED_VALUE and §6.9 TPM_ST_ATTEST_CERTIFY.
inline constexpr uint32_t kGeneratedValue = 0xff544347;
inline constexpr uint16_t kStAttestCertify = 0x8017;

// Part 2 §6.3 TPM_ALG_ID values used here.
inline constexpr uint16_t kAlgRsa = 0x0001;
inline constexpr uint16_t kAlgSha1 = 0x0004;
inline constexpr uint16_t kAlgSha256 = 0x000b;
inline constexpr uint16_t kAlgSha384 = 0x000c;
inline constexpr uint16_t kAlgSha512 = 0x000d;
inline constexpr uint16_t kAlgNull = 0x0010;
inline constexpr uint16_t kAlgEcc = 0x0023;

// Part 2 §6.4 TPM_ECC_CURVE values we can convert.
inline constexpr uint16_t kEccNistP256 = 0x0003;
inline constexpr uint16_t kEccNistP384 = 0x0004;
inline constexpr uint16_t kEccNistP521 = 0x0005;

// Part 2 §8.3 TPMA_OBJECT bits.
inline constexpr uint32_t kAttrFixedTpm = 1u << 1;
inline constexpr uint32_t kAttrFixedParent = 1u << 4;
inline constexpr uint32_t kAttrSensitiveDataOrigin = 1u << 5;
inline constexpr uint32_t kAttrUserWithAuth = 1u << 6;
inline constexpr uint32_t kAttrRestricted = 1u << 16;
inline constexpr uint32_t kAttrDecrypt = 1u << 17;
inline constexpr uint32_t kAttrSign = 1u << 18;

// Largest TPM2B contents: TPMU_NAME / TPMT_HA (2 + SHA-512), TPMU_HA, RSA-4096 modulus, P-521.
inline constexpr size_t kMaxName = 66;
inline constexpr size_t kMaxData = 66;
inline constexpr size_t kMaxDigest = 64;
inline constexpr size_t kMaxRsaModulus = 512;
inline constexpr size_t kMaxEccParameter = 66;

// Part 2 §10.11.1 TPMS_CLOCK_INFO.
struct ClockInfo {
  uint64_t clock = 0;
  uint32_t reset_count = 0;
  uint32_t restart_count = 0;
  uint8_t safe = 0;
};

// Part 2 §10.12.12 TPMS_ATTEST with attested = TPMS_CERTIFY_INFO (§10.12.3), the only type a
// TPM2_Certify produces. ParseAttest refuses any other magic or type (the union cannot be read).
struct Attest {
  uint32_t magic = 0;
  uint16_t type = 0;
  Bytes qualified_signer;  // TPM2B_NAME
  Bytes extra_data;        // TPM2B_DATA: TPM2_Certify's qualifyingData
  ClockInfo clock_info;
  uint64_t firmware_version = 0;
  Bytes certified_name;            // TPMS_CERTIFY_INFO.name: Name of the certified object
  Bytes certified_qualified_name;  // TPMS_CERTIFY_INFO.qualifiedName
};

// Part 2 §12.2.4 TPMT_PUBLIC for type RSA or ECC (other types are refused).
struct Public {
  uint16_t type = 0;      // kAlgRsa | kAlgEcc
  uint16_t name_alg = 0;  // hash of the Name; kAlgNull is refused (no Name)
  uint32_t object_attributes = 0;
  Bytes auth_policy;           // TPM2B_DIGEST
  uint16_t symmetric = 0;      // TPMT_SYM_DEF_OBJECT.algorithm (kAlgNull for a signing key)
  uint16_t scheme = 0;         // TPMT_RSA_SCHEME / TPMT_ECC_SCHEME .scheme
  uint16_t scheme_hash = 0;    // its hashAlg, kAlgNull when the scheme has none
  uint16_t rsa_key_bits = 0;   // RSA: keyBits
  uint32_t rsa_exponent = 0;   // RSA: 0 means 65537
  Bytes rsa_modulus;           // RSA: unique, exactly keyBits / 8 bytes
  uint16_t ecc_curve = 0;      // ECC: curveID
  uint16_t ecc_kdf = 0;        // ECC: kdf.scheme
  Bytes ecc_x;                 // ECC: unique.x
  Bytes ecc_y;                 // ECC: unique.y
};

Result<Attest> ParseAttest(ByteView cert_info);
Result<Public> ParsePublic(ByteView pub_area);

// DigestFor maps a TPM hash algorithm (SHA-1/256/384/512) to OpenSSL's, or nullptr.
const EVP_MD* DigestFor(uint16_t alg);

// ComputeName returns the TPM Name of an object (Part 1 §16): nameAlg (UINT16 BE) ||
// H_nameAlg(pub_area), pub_area being the exact TPMT_PUBLIC bytes. kMalformed for an unknown nameAlg.
Result<Bytes> ComputeName(uint16_t name_alg, ByteView pub_area);

// PublicKey converts the pubArea key to an OpenSSL public key: RSA (exponent 0 = 65537) or ECC on
// NIST P-256/P-384/P-521 (the point must be on the curve). kMalformed otherwise.
Result<ossl::UniquePtr<EVP_PKEY>> PublicKey(const Public& pub);

// PublicKeySpki is PublicKey as SubjectPublicKeyInfo DER.
Result<Bytes> PublicKeySpki(const Public& pub);

// AlgName names a TPM_ALG_ID for error details ("SHA256", "0x0042").
std::string AlgName(uint16_t alg);

}  // namespace ca::attestation::tpm
