#pragma once
// Issuer: signs end-entity certificates with the intermediate CA key. Lint, then sign: Prepare()
// builds and checks the TBS certificate and returns a token that Issue() redeems once.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "common/rng.h"
#include "core/identifier.h"
#include "ossl/unique.h"

// From <openssl/ocsp.h>, which this header does not need whole.
typedef struct ocsp_basic_response_st OCSP_BASICRESP;

namespace ca::issuance {

struct IssueRequest {
  EVP_PKEY* public_key = nullptr;           // from the CSR (not owned)
  // The same key as the CSR encodes it (not owned; optional). When set, its algorithm and key bits
  // are copied into the certificate as they are, after checking it is public_key: X509_set_pubkey
  // would encode the key and decode it again through OpenSSL 3.0's encoder and decoder contexts,
  // which cost more than the certificate's signature.
  const X509_PUBKEY* public_key_info = nullptr;
  std::vector<core::Identifier> identifiers;  // dns (may be "*.x") and ip -> SANs
  std::optional<std::string> common_name;   // set only when it is one of the identifiers
  UnixTime not_before = 0;
  UnixTime not_after = 0;
  bool server_auth = true;  // EKU serverAuth
  bool client_auth = true;  // EKU clientAuth
  // Device orders only (permanent-identifier / hardware-module identifiers): what the provisioner's
  // certificate template kept of the CSR (policy::DeviceCertificateNames).
  std::vector<std::pair<std::string, std::string>> device_subject;     // (CN|O|OU|L|ST|C, UTF-8 value)
  std::vector<std::pair<std::string, std::string>> device_extra_sans;  // (email|uri|upn, value)
};

struct IssuedCert {
  Bytes der;
  std::string pem;         // leaf only
  std::string serial_hex;  // lowercase, no leading zero byte
  UnixTime not_before = 0;
  UnixTime not_after = 0;
  std::string spki_sha256_hex;
};

// RevocationUrls: where relying parties find revocation data and the issuer certificate; every
// certificate the Issuer signs carries them (AIA, RFC 5280 §4.2.2.1; CRLDP, §4.2.1.13).
struct RevocationUrls {
  std::string ocsp;        // id-ad-ocsp, e.g. http://ca.example:8080/ocsp
  std::string ca_issuers;  // id-ad-caIssuers: the intermediate, DER (application/pkix-cert)
  std::string crl;         // the CRL distribution point (fullName URI)
};
// RevocationUrlsFor derives the three URLs from the public plain-HTTP base URL (no trailing '/').
RevocationUrls RevocationUrlsFor(const std::string& public_http_url);

struct IssuerOptions {
  // Empty URLs: certificates carry no AIA and no CRLDP (tests that do not need them).
  std::optional<RevocationUrls> revocation_urls;
};

// CrlContents: what a CRL says; SignCrl adds who says it (issuer, AKI) and the signature.
struct CrlEntry {
  std::string serial_hex;  // as stored (lowercase, minimal)
  UnixTime revoked_at = 0;
  int reason = 0;  // RFC 5280 CRLReason; 0 (unspecified) is left out of the entry (§5.3.1)
};
struct CrlContents {
  uint64_t number = 0;  // cRLNumber, strictly increasing
  UnixTime this_update = 0;
  UnixTime next_update = 0;
  std::vector<CrlEntry> entries;
};

class Issuer;

// IssuanceToken: a linted, unsigned certificate from Prepare, redeemed once by Issue of the same
// Issuer. Complete here so callers can drop one unredeemed; its contents stay private.
class IssuanceToken final {
 public:
  ~IssuanceToken();
  IssuanceToken(const IssuanceToken&) = delete;
  IssuanceToken& operator=(const IssuanceToken&) = delete;

  const std::string& serial_hex() const { return serial_hex_; }  // of the certificate to be signed

 private:
  friend class Issuer;
  IssuanceToken() = default;

  ossl::UniquePtr<X509> cert_;  // unsigned, signature algorithm already set; the lints read it
  Bytes tbs_;                   // TBSCertificate DER as linted: the bytes Issue signs
  const Issuer* issuer_ = nullptr;
  uint64_t issuer_id_ = 0;
  std::string serial_hex_;
  UnixTime not_before_ = 0;
  UnixTime not_after_ = 0;
};

class Issuer final {
 public:
  // Load reads the intermediate certificate and key (PEM; the key may be encrypted) and the root.
  static Result<std::unique_ptr<Issuer>> Load(const std::string& intermediate_cert_pem,
                                              const std::string& intermediate_key_pem,
                                              const std::string& passphrase, const std::string& root_cert_pem,
                                              const IssuerOptions& options = {});
  ~Issuer();
  Issuer(const Issuer&) = delete;
  Issuer& operator=(const Issuer&) = delete;

  // Prepare builds the certificate (random serial of 128 bits, positive and DER-minimal), lints it
  // (validity inside the issuer's, SANs present, key allowed) and returns the token to sign.
  Result<std::unique_ptr<IssuanceToken>> Prepare(const IssueRequest& req, Rng& rng);
  // Issue signs a prepared certificate; a token works once and only with the Issuer that made it.
  Result<IssuedCert> Issue(std::unique_ptr<IssuanceToken> token);

  // SignOcspResponse signs a BasicOCSPResponse with the intermediate key (RFC 6960 §4.2.1): responder
  // ID by key hash, no certificates (the intermediate is the issuer, RFC 9919 §3.2.2), producedAt
  // as given. The narrow door to the key for the OCSP responder; the key itself never leaves.
  Result<void> SignOcspResponse(OCSP_BASICRESP* basic, UnixTime produced_at) const;

  // SignCrl builds and signs a v2 CRL (RFC 5280 §5) with the intermediate key: issuer = the
  // intermediate's subject, authorityKeyIdentifier = its SKI, cRLNumber, entries sorted by serial,
  // revokedCertificates absent when empty. Returns the DER, verified against the intermediate.
  Result<Bytes> SignCrl(const CrlContents& contents) const;
  // IssueOcspResponderCert signs a delegated OCSP responder certificate (RFC 6960 §4.2.2.2, BR 7.1.2.8)
  // for public_key: EKU id-kp-OCSPSigning only, keyUsage digitalSignature (critical), CA:FALSE,
  // id-pkix-ocsp-nocheck, AKI/SKI, no SAN/CRLDP/AIA; validity clipped to the intermediate's. The only
  // certificate profile this entry can produce, so it is no general signing door. Returns the DER.
  Result<Bytes> IssueOcspResponderCert(EVP_PKEY* public_key, UnixTime not_before, UnixTime not_after,
                                       Rng& rng) const;

  const std::string& intermediate_pem() const;  // the issuer certificate, PEM
  const Bytes& intermediate_der() const;
  const Bytes& root_der() const;  // empty when no root was given
  const std::string& root_pem() const;
  UnixTime intermediate_not_after() const;

 private:
  struct State;
  explicit Issuer(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

}  // namespace ca::issuance
