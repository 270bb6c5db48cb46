#pragma once
// Test helpers: throwaway certificate chains for attestation tests (root -> intermediate -> leaf),
// including Apple Managed Device Attestation leaves. Abort on any OpenSSL failure.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
  std::string key_group = "P-384";
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

}  // namespace ca::testing
