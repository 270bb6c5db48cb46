#pragma once
// OCSP request parsing (RFC 6960 §4.1, RFC 9919 §3.1): untrusted DER in, checked CertIDs out.
// Errors: kMalformed (answer malformedRequest) when the bytes are not a well-formed request we
// accept; kUnauthorized (answer unauthorized) when the request is well formed but asks with a hash
// or serial we never answer for. Malformed wins: every structural check runs before any of those.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "ossl/unique.h"

// From <openssl/ocsp.h>.
typedef struct ocsp_cert_id_st OCSP_CERTID;
typedef struct ocsp_request_st OCSP_REQUEST;
CA_OSSL_DECLARE_DELETER(OCSP_CERTID)
CA_OSSL_DECLARE_DELETER(OCSP_REQUEST)

namespace ca::ocsp {

// Limits (choice): Boulder reads at most 10,000 bytes; a request names at most 8 certificates
// (each is answered in one signed response, so this bounds the work one request can ask for).
inline constexpr size_t kMaxRequestBytes = 10000;
inline constexpr size_t kMaxCertIds = 8;
// RFC 9654: a nonce of 1..128 octets; anything else is malformedRequest.
inline constexpr size_t kMaxNonceBytes = 128;

enum class HashAlg { kSha1, kSha256 };

// CertIdRef is one CertID of a request, checked: a hash we support with hashes of its length and
// a positive serial of at most 20 octets.
struct CertIdRef {
  HashAlg hash = HashAlg::kSha1;
  Bytes issuer_name_hash;
  Bytes issuer_key_hash;
  std::string serial_hex;     // lowercase minimal hex, as CertStore keys it
  // The request's CertID, echoed byte for byte in the answer. Owned by ParsedRequest::request (not
  // copied: duplicating it was a sixth of a cached answer's cost).
  OCSP_CERTID* id = nullptr;
};

struct ParsedRequest {
  std::vector<CertIdRef> cert_ids;             // 1..kMaxCertIds, pointing into request
  std::optional<Bytes> nonce;                  // the Nonce octets (1..128), when present
  ossl::UniquePtr<OCSP_REQUEST> request;       // the CertIDs, and the nonce extension to copy verbatim
};

// SimpleCertId is the one CertID of a request in the shape nearly every client sends: a single
// CertID and nothing else (no version, requestor name, extensions or signature). Views point into
// the request bytes.
struct SimpleCertId {
  HashAlg hash = HashAlg::kSha1;
  ByteView issuer_name_hash;
  ByteView issuer_key_hash;
  std::string serial_hex;  // as CertIdRef::serial_hex
};

// ParseSimpleRequest reads a request of that shape with der::Reader alone (no OpenSSL decode; the
// serial's hex is the only allocation), for the cache-hit path. nullopt for anything else.
// ParseRequest accepts every request this accepts, with the same hash, hashes and serial (the fuzz
// target checks it); a caller falls back to ParseRequest on nullopt.
std::optional<SimpleCertId> ParseSimpleRequest(ByteView der);

// ParseRequest checks, in order: size, outer DER framing (one SEQUENCE, nothing after it), version
// (absent or 0), the OpenSSL decode, 1..kMaxCertIds entries, extensions (nonce length, no unknown
// critical or duplicate extension), then hash algorithms, hash lengths and serials.
Result<ParsedRequest> ParseRequest(ByteView der);

}  // namespace ca::ocsp
