#pragma once
// CSR and key policy (pure, no I/O), in the spirit of Boulder's csr/ and goodkey/.
#include <optional>
#include <string>
#include <vector>

#include <openssl/x509.h>

#include "common/bytes.h"
#include "common/result.h"
#include "core/identifier.h"
#include "ossl/unique.h"

namespace ca::policy {

// CheckKey: RSA 2048..8192 bits (exponent 65537), EC P-256/P-384/P-521, Ed25519; else kBadPublicKey.
Result<void> CheckKey(EVP_PKEY* key);

struct ExtensionsFree {
  void operator()(X509_EXTENSIONS* e) const { sk_X509_EXTENSION_pop_free(e, X509_EXTENSION_free); }
};
using Extensions = std::unique_ptr<X509_EXTENSIONS, ExtensionsFree>;

// ParsedCsr is a checked request: version 1, allowed key, valid self-signature.
struct ParsedCsr {
  ossl::UniquePtr<X509_NAME> subject;
  ossl::UniquePtr<X509_PUBKEY> spki;         // SubjectPublicKeyInfo as sent (algorithm and key bits)
  ossl::UniquePtr<EVP_PKEY> key;             // the same key, decoded
  int extension_requests = 0;                // extensionRequest attributes (PKCS#9 or Microsoft's)
  Extensions extensions;                     // the one request's; null if none or unparsable
  std::vector<core::Identifier> names;       // SAN dNSName (lower-cased) and iPAddress, + CN if any
  std::optional<std::string> common_name;    // lower-cased when it is a DNS name
};

// ParseCsr parses DER (no trailing bytes), verifies the self-signature and applies CheckKey.
// Errors: kBadCsr (parse/signature/unsupported SAN types), kBadPublicKey (key policy).
Result<ParsedCsr> ParseCsr(ByteView der);

// ParseCsrForDevice parses a CSR of a device-attest-01 order: DER, version, key policy and
// self-signature are checked as in ParseCsr, but names are not collected (the certificate's names
// come from the attested identifiers; draft-ietf-acme-device-attest-09 lets the CSR omit them).
Result<ParsedCsr> ParseCsrForDevice(ByteView der);

// CheckCsrDeviceNames: device identifiers the CSR carries as SAN otherNames (PermanentIdentifier,
// HardwareModuleName) must each equal an order identifier octet for octet (kBadCsr otherwise). A CSR
// without them is fine (draft-ietf-acme-device-attest-09 privacy mode).
Result<void> CheckCsrDeviceNames(const ParsedCsr& csr, const std::vector<core::Identifier>& order_identifiers);

// CheckCsrNames: the CSR's names (SANs and CN) must equal the order's identifiers exactly (as a set;
// IP forms compared after normalisation); extra or missing names -> kBadCsr naming them.
Result<void> CheckCsrNames(const ParsedCsr& csr, const std::vector<core::Identifier>& order_identifiers);

}  // namespace ca::policy
