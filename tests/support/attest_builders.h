#pragma once
// Test helpers: throwaway certificate chains for attestation tests (root -> intermediate -> leaf),
// including Apple Managed Device Attestation leaves. Abort on any OpenSSL failure.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attestation/object.h"
#include "common/bytes.h"
#include "common/clock.h"
#include "ossl/unique.h"

namespace ca::testing {

// RawExtension is an extension given by dotted OID and raw extnValue contents.
struct RawExtension {
  std::string oid;
  Bytes value;
  bool critical = false;
};

// CertSpec describes one certificate to mint.
struct CertSpec {
  std::string common_name = "test";
  UnixTime not_before = 1700000000;  // 2023-11-14
  UnixTime not_after = 1700000000 + 365 * 86400;
  bool is_ca = false;
  bool empty_subject = false;      // no subject RDN at all (TPM AK certificates)
  std::string key_group = "P-384";  // or "RSA-2048" etc.
  std::vector<RawExtension> extensions;
};

// TestCert is a minted certificate with its private key.
struct TestCert {
  ossl::UniquePtr<X509> cert;
  ossl::UniquePtr<EVP_PKEY> key;
  Bytes der;
  std::string pem;
};

// MakeCert mints spec, signed by issuer (self-signed when issuer is nullptr).
TestCert MakeCert(const CertSpec& spec, const TestCert* issuer);

// AppleLeafSpec lists the Apple MDA leaf extensions (raw values as Apple encodes them); nullopt
// leaves one out.
struct AppleLeafSpec {
  std::optional<std::string> serial = "C02XK1TESTQ6";
  std::optional<std::string> udid = "00008103-001A2B3C4D5E6F70";
  std::optional<std::string> os_version = "14.2";
  std::optional<std::string> sep_os_version = "14.2.1";
  std::optional<std::string> llb_version = "14.2.2";
  std::optional<std::string> software_update_device_id = "J314sAP";
  std::optional<std::string> secure_boot = "Full Security";
  std::optional<Bytes> sip = Bytes{0x02, 0x01, 0x00};    // DER INTEGER 0: enabled
  std::optional<Bytes> kexts = Bytes{0x02, 0x01, 0x00};  // DER INTEGER 0: not allowed
  std::optional<Bytes> nonce;                            // 8.11.1 contents, e.g. AppleNonceFor(token)
  std::vector<RawExtension> extra;                       // appended after the Apple extensions
  UnixTime not_before = 1700000000;
  UnixTime not_after = 1700000000 + 90 * 86400;
};

// AppleNonceFor returns SHA-256(token), what an Apple device puts in 8.11.1 for an ACME challenge.
Bytes AppleNonceFor(std::string_view token);

// AppleTestChain is an Apple-like chain under a throwaway root.
struct AppleTestChain {
  TestCert root;
  TestCert intermediate;
  TestCert leaf;
  std::vector<Bytes> x5c;  // leaf, intermediate
};

// MakeAppleChain mints root (P-384) -> "Sub CA" -> leaf carrying spec's extensions.
AppleTestChain MakeAppleChain(const AppleLeafSpec& spec);

// --- TPM ("tpm" format, attest_builders_tpm.cc) ---

// TpmSpec describes a minted TPM attestation: a test root -> intermediate issue the AK
// certificate; certInfo (TPMS_ATTEST) certifies a fresh key described by pubArea (TPMT_PUBLIC,
// nameAlg SHA-256); sig is the AK's raw signature over certInfo.
struct TpmSpec {
  int64_t alg = -7;              // COSE alg; the AK key is P-256 for -7, P-384 for -35, RSA-2048 else
  std::string key = "P-256";     // attested key: "P-256", "P-384", "P-521", "RSA-2048", "RSA-1024"
  Bytes extra_data;              // certInfo.extraData, e.g. TpmExtraDataFor(key_authorization)
  uint32_t object_attributes = 0x00040072;  // fixedTPM fixedParent sensitiveDataOrigin userWithAuth sign
  std::optional<std::string> permanent_identifier = "TPM-0123456789";  // "id" or "id/assigner-OID"
  std::optional<std::string> hardware_module_type;  // hwType OID; with hardware_module_serial
  Bytes hardware_module_serial;
  bool spec_san_layout = true;   // TCG: one RDN per TPM attribute; false: one multi-valued RDN
  bool ak_eku = true;            // EKU 2.23.133.8.3
  bool ak_empty_subject = true;
  bool ak_is_ca = false;
  UnixTime not_before = 1700000000;
  UnixTime not_after = 1700000000 + 365 * 86400;
};

// TpmExtraDataFor returns SHA-256(key_authorization), the qualifyingData a client passes.
Bytes TpmExtraDataFor(std::string_view key_authorization);

// TpmTestAttestation is the minted attestation; stmt is ready for VerifyTpm (ver "2.0").
struct TpmTestAttestation {
  TestCert root;
  TestCert intermediate;
  TestCert ak;
  ossl::UniquePtr<EVP_PKEY> key;  // the attested key
  attestation::AttStmt stmt;
};

TpmTestAttestation MakeTpmAttestation(const TpmSpec& spec);

// TpmCertInfo builds a TPMS_ATTEST (TPM_ST_ATTEST_CERTIFY) certifying the object named name.
Bytes TpmCertInfo(ByteView name, ByteView extra_data);
// TpmNameOf returns the Name of a pubArea with nameAlg SHA-256: 0x000b || SHA-256(pub_area).
Bytes TpmNameOf(ByteView pub_area);
// TpmSign signs data with key the way alg says (raw RSA signature or DER ECDSA).
Bytes TpmSign(EVP_PKEY* key, int64_t alg, ByteView data);

// TpmAttObj encodes {"fmt": "tpm", "attStmt": st} as CBOR (minimal lengths, members in the order
// WebAuthn lists them), as a client posts it base64url-decoded.
Bytes TpmAttObj(const attestation::AttStmt& st);

}  // namespace ca::testing
