#pragma once
// Test helpers for Android Key Attestation: a DER KeyDescription builder (the extension
// 1.3.6.1.4.1.11129.2.1.17) and a minted root -> intermediate -> leaf chain carrying it, with
// Keystore's placeholder leaf dates. Abort on any OpenSSL failure.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "support/attest_builders.h"

namespace ca::testing {

// KeyDescriptionSpec: what the minted KeyDescription says (hardware-enforced list unless noted).
// nullopt leaves a member out.
struct KeyDescriptionSpec {
  int64_t attestation_version = 200;
  int64_t attestation_security_level = 1;  // 0 Software, 1 TrustedEnvironment, 2 StrongBox
  int64_t keymint_version = 200;
  int64_t keymint_security_level = 1;
  Bytes challenge;
  Bytes unique_id;
  std::optional<std::string> serial = "ANDROIDSERIAL01";  // attestationIdSerial [713]
  bool serial_in_software_list = false;                   // put [713] in softwareEnforced instead
  bool root_of_trust = true;
  Bytes verified_boot_key = Bytes(32, 0xab);
  bool device_locked = true;
  int64_t verified_boot_state = 0;  // 0 Verified, 1 SelfSigned, 2 Unverified, 3 Failed
  std::optional<int64_t> os_version = 140000;
  std::optional<int64_t> os_patch_level = 202405;
  std::optional<int64_t> vendor_patch_level = 20240505;
  std::optional<int64_t> boot_patch_level = 20240505;
  std::vector<Bytes> extra_hardware;  // whole DER elements appended to the hardware list
};

// DerTlv wraps contents in a tag given as its identifier octets (e.g. {0xbf, 0x85, 0x40}).
Bytes DerTlv(const Bytes& tag, const Bytes& contents);
// DerInteger encodes a (small, non-negative) INTEGER with this tag octet (0x02 or 0x0a).
Bytes DerInteger(int64_t v, uint8_t tag = 0x02);
// Explicit wraps an element in EXPLICIT context tag [n] (high-tag form from 31 on).
Bytes Explicit(uint32_t n, const Bytes& element);

// MakeKeyDescription returns the extnValue contents (DER KeyDescription).
Bytes MakeKeyDescription(const KeyDescriptionSpec& spec);

// AndroidTestChain is root (P-384) -> "Test Android Attestation Intermediate" -> leaf (P-256 key
// by default; the attested key), leaf dated 1970-01-01 .. 2106-02-07 as Keystore does.
struct AndroidTestChain {
  TestCert root;
  TestCert intermediate;
  TestCert leaf;
  std::vector<Bytes> x5c;  // leaf, intermediate
};
// key_description nullopt: the leaf has no KeyDescription.
AndroidTestChain MakeAndroidChain(const std::optional<Bytes>& key_description, const std::string& leaf_group = "P-256",
                                  UnixTime leaf_not_after = 4294967295);

// SignKeyAuth signs msg with key as step-ca's client does for EC keys (ECDSA over SHA-256, DER).
Bytes SignKeyAuth(EVP_PKEY* key, std::string_view msg);

}  // namespace ca::testing
