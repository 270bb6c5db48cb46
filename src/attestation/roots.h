#pragma once
// Trust pools for attestation certificate chains, one pool per format (unlike step-ca's single
// attestationRoots pool shared by every format), and chain verification at an explicit time.
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "ossl/unique.h"

namespace ca::attestation {

// TrustRoots is the set of trust anchors for ONE attestation format, plus optional untrusted
// intermediates used only to build paths (e.g. Apple's Sub CA when a client sends the leaf alone).
// Move-only; immutable once built, so it can be shared between threads by const reference.
class TrustRoots final {
 public:
  TrustRoots();
  explicit TrustRoots(std::string format);
  TrustRoots(TrustRoots&&) noexcept;
  TrustRoots& operator=(TrustRoots&&) noexcept;
  ~TrustRoots();

  // FromPem builds a pool for format from a PEM bundle of trust anchors (at least one).
  static Result<TrustRoots> FromPem(std::string format, std::string_view pem);

  // AddRootsPem adds the certificates of a PEM bundle as trust anchors (ossl::CertsFromPem: up to
  // the first block that is not a certificate). kMalformed if there is none.
  Result<void> AddRootsPem(std::string_view pem);
  // AddIntermediatesPem adds untrusted intermediates for path building (never anchors).
  Result<void> AddIntermediatesPem(std::string_view pem);

  const std::string& format() const { return format_; }
  size_t size() const { return roots_.size(); }
  bool empty() const { return roots_.empty(); }
  const std::vector<ossl::UniquePtr<X509>>& roots() const { return roots_; }
  const std::vector<ossl::UniquePtr<X509>>& intermediates() const { return intermediates_; }

 private:
  std::string format_;
  std::vector<ossl::UniquePtr<X509>> roots_;
  std::vector<ossl::UniquePtr<X509>> intermediates_;
};

// BuiltinRoots returns the anchors compiled into the binary for a format: "apple" -> Apple
// Enterprise Attestation Root CA; "step" -> Yubico PIV Root CA Serial 263751 and Yubico Attestation
// Root 1 (plus the 2024 Yubico intermediates, for path building only); "android-key" -> Google
// Hardware Attestation Roots 1-4 and Google Key Attestation CA1. Any other format ("tpm":
// the organisation's own attestation CA) gets an empty pool, which verifies nothing.
TrustRoots BuiltinRoots(std::string_view format);

// VerifyChain checks an attestation chain (leaf first; the rest are untrusted intermediates, as in
// an attStmt x5c) against roots at time `at` (RFC 5280 §6 via X509_verify_cert).
//
// Checked: every signature, every validity period at `at`, name chaining, basicConstraints CA and
// pathLenConstraint, keyUsage keyCertSign on issuers, unhandled critical extensions.
// Relaxed, and why:
//   - no EKU / purpose check: attestation leaves carry vendor EKUs (Apple 1.2.840.113635.100.4.24,
//     TPM 2.23.133.8.3) or none, and are never used for TLS; format verifiers check what they need;
//   - X509_V_FLAG_PARTIAL_CHAIN: every certificate in the pool is an anchor, even if not
//     self-signed, so operators may pin an intermediate (TPM EK pools contain such CAs);
//   - no revocation (CRL/OCSP) checks: vendors publish none for these chains.
// Errors: Errc::kBadAttestation, e.g. "attestation chain does not verify: certificate has expired
// (depth 0)".
Result<void> VerifyChain(const std::vector<Bytes>& chain_der, const TrustRoots& roots, UnixTime at);

// ChainOptions relaxes or sharpens VerifyChain for one format.
//   ignore_leaf_validity  the leaf's notBefore/notAfter are not checked (Android Keystore leaves
//                         carry placeholder dates, 1970..2106); every other certificate's are.
//   anchor_by_signature   each anchor is tried alone, in pool order, and the first that verifies
//                         wins: for pools whose anchors share a subject AND a subjectKeyIdentifier
//                         (Google's four RSA roots), where OpenSSL's issuer lookup cannot tell them
//                         apart and may stop at the wrong one.
struct ChainOptions {
  bool ignore_leaf_validity = false;
  bool anchor_by_signature = false;
};

// VerifiedChain is the path X509_verify_cert built: leaf first, the anchor last.
struct VerifiedChain {
  std::vector<ossl::UniquePtr<X509>> path;
};

// VerifyChainPath is VerifyChain with options, returning the verified path.
Result<VerifiedChain> VerifyChainPath(const std::vector<Bytes>& chain_der, const TrustRoots& roots, UnixTime at,
                                      const ChainOptions& opts);

}  // namespace ca::attestation
