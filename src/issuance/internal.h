#pragma once
// Shared by the issuance .cc files (not part of the component's interface).
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "common/rng.h"
#include "issuance/issuer.h"
#include "ossl/unique.h"
#include "ossl/x509_build.h"

namespace ca::issuance {

// NewSerial returns a positive INTEGER of at most 128 random bits and at least 64 significant bits
// (CA/B BR §7.1 asks for >= 64 bits of CSPRNG output); DER-minimal once encoded.
Result<ossl::UniquePtr<ASN1_STRING>> NewSerial(Rng& rng);

// ParseIpLiteral converts textual IPv4/IPv6 to 4 or 16 bytes (inet_pton), nullopt otherwise.
std::optional<Bytes> ParseIpLiteral(std::string_view text);

// SanEntryFor maps a "dns"/"ip" identifier to a SAN entry; kInternal for anything else.
Result<ossl::SanEntry> SanEntryFor(const core::Identifier& id);

// DeviceSanEntry maps a permanent-identifier / hardware-module identifier to its SAN otherName.
Result<ossl::SanEntry> DeviceSanEntry(const core::Identifier& id);

// ExtraSanEntry maps a template-kept CSR name (kind email, uri or upn) to its SAN entry.
Result<ossl::SanEntry> ExtraSanEntry(const std::string& kind, const std::string& value);

// LintRequest refuses (kInternal) a request the CA must never sign: no identifiers, unknown types,
// an inverted or empty validity, a notAfter past the issuer's, a key outside policy.
Result<void> LintRequest(const IssueRequest& req, UnixTime issuer_not_before, UnixTime issuer_not_after);

// CopyPublicKeyInfo copies the algorithm and key bits (all that a certificate encodes of its
// subject's key) from one SubjectPublicKeyInfo into another, without decoding the key. EC, RSA and
// EdDSA algorithm parameters (an OID, NULL or absent) only.
Result<void> CopyPublicKeyInfo(const X509_PUBKEY* from, X509_PUBKEY* to);

// PublicKeyInfoIs checks that the key info encodes exactly this key (kInternal otherwise). An info
// built from its parts (policy::ParseEcCsrDirect) holds no decoded key: then the EC curve and the
// uncompressed point are compared with the key's own.
Result<void> PublicKeyInfoIs(const X509_PUBKEY* info, EVP_PKEY* key);

// TbsOfCert returns the whole TBSCertificate element of a DER certificate, SpkiOfTbs the whole
// subjectPublicKeyInfo element of a DER TBSCertificate (RFC 5280 §4.1); nullopt if not so shaped.
// They read our own signing output without a full parse (d2i_X509 decodes the key too, through
// OpenSSL 3's decoder machinery, which cost more than the signature).
std::optional<ByteView> TbsOfCert(ByteView cert_der);
std::optional<ByteView> SpkiOfTbs(ByteView tbs_der);

// LintCertificate re-reads the built certificate: v3, serial positive with >= 64 bits, SAN present.
Result<void> LintCertificate(X509* cert);

// BuildCrl makes the unsigned v2 CRL of `contents`, issued by `issuer` (crl_build.cc).
Result<ossl::UniquePtr<X509_CRL>> BuildCrl(X509* issuer, const CrlContents& contents);

// AddRevocationPointers adds AIA (OCSP, caIssuers) and the CRL distribution point (revocation.cc);
// RevocationPointerExtensions makes those two extensions, to be added to several certificates.
Result<void> AddRevocationPointers(X509* cert, const RevocationUrls& urls);
Result<std::pair<ossl::UniquePtr<X509_EXTENSION>, ossl::UniquePtr<X509_EXTENSION>>> RevocationPointerExtensions(
    const RevocationUrls& urls);

// LeafExtensions: the extensions of a leaf that do not depend on its request beyond the key type
// and EKU flags, built once per Issuer from their config strings (leaf_extensions.cc); each leaf
// gets copies. The subject key identifier depends on the key: AddSubjectKeyId.
struct LeafExtensions {
  ossl::UniquePtr<X509_EXTENSION> basic_constraints;  // critical, CA:FALSE
  ossl::UniquePtr<X509_EXTENSION> key_usage_rsa;      // critical, digitalSignature, keyEncipherment
  ossl::UniquePtr<X509_EXTENSION> key_usage;          // critical, digitalSignature (EC, EdDSA)
  ossl::UniquePtr<X509_EXTENSION> eku_server;         // serverAuth
  ossl::UniquePtr<X509_EXTENSION> eku_client;         // clientAuth
  ossl::UniquePtr<X509_EXTENSION> eku_both;           // serverAuth, clientAuth
  ossl::UniquePtr<X509_EXTENSION> authority_key_id;   // keyid:always (the issuer's SKI)
  ossl::UniquePtr<X509_EXTENSION> info_access;        // AIA; null without revocation URLs
  ossl::UniquePtr<X509_EXTENSION> crl_points;         // CRLDP; null without revocation URLs
};
Result<LeafExtensions> BuildLeafExtensions(X509* issuer, const std::optional<RevocationUrls>& urls);
// AddExtensionCopy appends a copy of ext to cert.
Result<void> AddExtensionCopy(X509* cert, const X509_EXTENSION* ext);
// AddSubjectKeyId appends the SKI the config string "hash" makes: SHA-1 (sha1) of cert's key bits.
Result<void> AddSubjectKeyId(X509* cert, const EVP_MD* sha1);

// CertificateDer assembles Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm,
// signatureValue BIT STRING } from the DER of the first two and the raw signature (cert_parts.cc).
Bytes CertificateDer(ByteView tbs_der, ByteView signature_algorithm_der, ByteView signature);
// SignatureOfCert returns the signatureAlgorithm element and the signature (the BIT STRING's
// octets, no unused bits) of a DER certificate; nullopt if not so shaped.
struct CertSignature {
  ByteView algorithm_der;
  ByteView value;
};
std::optional<CertSignature> SignatureOfCert(ByteView cert_der);
// LintRevocationPointers checks that the built certificate carries exactly those URLs.
Result<void> LintRevocationPointers(X509* cert, const RevocationUrls& urls);

}  // namespace ca::issuance
