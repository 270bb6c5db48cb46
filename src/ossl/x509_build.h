#pragma once
// Helpers for building X.509 certificates (RFC 5280 §4.1): names, validity, extensions, TBS bytes.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "ossl/unique.h"

namespace ca::ossl {

// MakeName builds an X509_NAME from (short name, UTF-8 value) pairs, e.g. {{"O", "x"}, {"CN", "y"}}.
Result<UniquePtr<X509_NAME>> MakeName(const std::vector<std::pair<std::string, std::string>>& rdns);

// SetValidity sets notBefore/notAfter (UTCTime before 2050, GeneralizedTime after: RFC 5280 §4.1.2.5).
Result<void> SetValidity(X509* cert, UnixTime not_before, UnixTime not_after);

// Asn1TimeToUnix converts an ASN1_TIME to Unix seconds.
Result<UnixTime> Asn1TimeToUnix(const ASN1_TIME* t);

// AddConfExtension adds an extension from its OpenSSL config string ("critical,CA:TRUE",
// "hash", "keyid:always", "serverAuth,clientAuth"). issuer may equal cert (self-signed).
Result<void> AddConfExtension(X509* cert, X509* issuer, int nid, const std::string& value);
// ConfExtension makes that extension without adding it (to add copies of it later).
Result<UniquePtr<X509_EXTENSION>> ConfExtension(X509* cert, X509* issuer, int nid, const std::string& value);

// SanEntry is one subjectAltName GeneralName: a dNSName, an iPAddress (4 or 16 raw bytes), an
// rfc822Name or uniformResourceIdentifier (IA5 text in `text`) or an otherName (type-id OID in
// dotted form, value = the DER of the [0] EXPLICIT content).
struct SanEntry {
  enum class Kind { kDns, kIp, kEmail, kUri, kOtherName } kind = Kind::kDns;
  std::string dns;
  std::string text;
  Bytes ip;
  std::string other_oid;
  Bytes other_value_der;
};
// AddSubjectAltNames adds the SAN extension (RFC 5280 §4.2.1.6).
Result<void> AddSubjectAltNames(X509* cert, const std::vector<SanEntry>& entries, bool critical);

// SignatureDigestFor: SHA-256 for RSA and P-256, SHA-384 for P-384, SHA-512 for P-521, nullptr
// (no pre-hash) for Ed25519/Ed448.
const EVP_MD* SignatureDigestFor(EVP_PKEY* key);

// SerialFromBytes makes a positive INTEGER from big-endian bytes (DER-minimal once encoded).
Result<UniquePtr<ASN1_STRING>> SerialFromBytes(ByteView be);
// SerialHex returns the serial as lowercase hex of its minimal unsigned big-endian bytes.
Result<std::string> SerialHex(const ASN1_STRING* serial);

// TbsDer re-encodes and returns the TBSCertificate DER (i2d_re_X509_tbs).
Result<Bytes> TbsDer(X509* cert);

}  // namespace ca::ossl
