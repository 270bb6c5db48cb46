#pragma once
// Test helpers: keys and PKCS#10 CSRs built with OpenSSL (abort on any OpenSSL failure).
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "ossl/unique.h"

namespace ca::testing {

ossl::UniquePtr<EVP_PKEY> MakeRsaKey(int bits);
ossl::UniquePtr<EVP_PKEY> MakeEcKey(const std::string& group);  // "P-256", "P-384", "P-521", "secp256k1"
ossl::UniquePtr<EVP_PKEY> MakeEd25519Key();

struct CsrOptions {
  std::optional<std::string> common_name;
  std::vector<std::string> dns_names;     // SAN dNSName, as given
  std::vector<std::string> ip_addresses;  // SAN iPAddress, textual IPv4/IPv6
  std::vector<std::string> emails;        // SAN rfc822Name
  std::vector<std::string> uris;          // SAN URI
  std::vector<std::string> upns;          // SAN otherName 1.3.6.1.4.1.311.20.2.3 UTF8String
  std::vector<std::pair<std::string, std::string>> subject;  // more subject RDNs after CN ("O", "x")
  std::string digest = "SHA256";          // ignored for Ed25519
};

// MakeCsrDer returns a signed CSR (DER) for key.
Bytes MakeCsrDer(EVP_PKEY* key, const CsrOptions& opts);

// CorruptSignature flips a bit in the last byte of a DER CSR/certificate (inside the signature).
Bytes CorruptSignature(Bytes der);

}  // namespace ca::testing
