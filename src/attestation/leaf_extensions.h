#pragma once
// Vendor extensions of an attestation leaf (Apple 1.2.840.113635.100.8.x, Yubico
// 1.3.6.1.4.1.41482.3.x): found by OID, each at most once.
#include <array>
#include <optional>
#include <string>

#include "attestation/attested_device.h"
#include "common/bytes.h"
#include "common/result.h"
#include "ossl/unique.h"

namespace ca::attestation {

struct ExtInfo {
  const char* oid;   // dotted
  const char* name;  // for error details
};

// FindExtensions returns, for each of n specs, the extnValue contents of that extension in leaf (or
// nullopt). A repeated extension is kBadAttestation "<format>: leaf has more than one NAME extension".
// The views point into leaf.
Result<void> FindExtensions(X509* leaf, const ExtInfo* specs, size_t n, const std::string& format,
                            std::optional<ByteView>* out);

template <size_t N>
Result<std::array<std::optional<ByteView>, N>> FindExtensions(X509* leaf, const std::array<ExtInfo, N>& specs,
                                                              const std::string& format) {
  std::array<std::optional<ByteView>, N> out;
  CA_RETURN_IF_ERROR(FindExtensions(leaf, specs.data(), N, format, out.data()));
  return out;
}

// SetAttestedKey fills dev.spki_der and dev.spki_sha256_hex from the leaf's public key.
Result<void> SetAttestedKey(X509* leaf, const std::string& format, AttestedDevice& dev);

}  // namespace ca::attestation
