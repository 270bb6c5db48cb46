#pragma once
// Responder: OCSP requests in, DER OCSPResponses out (RFC 6960, RFC 9919 profile), answered for the
// certificates our intermediate issued. Three steps: Parse (request.h), Resolve (each CertID to a
// status from the store), Sign (one BasicOCSPResponse signed by the intermediate or the delegated
// responder certificate). Between them, single-certificate answers come from a cache of signed
// responses (response_cache.h). An entry is served only while the store still says what it says
// (so a revocation from any path or process is re-signed at the next request: no stale `good`
// after RevokeCertificate returned) and before its refresh point (the last quarter of its
// validity), else it is re-signed first. "Still says" is checked cheaply: each entry remembers the
// store's revocation revision (bumped by a trigger in every transaction that revokes) at which its
// status was last read; a request reads the revision, and reads the certificate's status only when
// the revision moved since. In the server the Revoker's hook calls Revoked(), so the revoked
// answers are signed (at the revision after the revocation) before the revocation call returns,
// and the next request is a cache hit too. Echoed nonces and several-certificate requests are
// signed live, never cached.
//
// Expired certificates (past notAfter) are never signed for again: the last cached answer is served
// until its nextUpdate (which may lie past notAfter, as RFC 9919 allows), then `unauthorized`; so
// are several-certificate requests naming one. Each entry keeps its certificate's notAfter, so the
// cache-hit path honours this without a status read.
//
// Never a signing oracle: a request that names a serial we never issued, another issuer, or a hash
// we do not answer in gets an unsigned `unauthorized` for the whole request (one unknown CertID
// among several spoils them all: RFC 6960 §4.2.2.3 wants one SingleResponse per CertID).
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "issuance/issuer.h"
#include "ocsp/request.h"
#include "ocsp/response_cache.h"
#include "storage/store.h"

namespace ca::ocsp {

// OCSPResponseStatus (RFC 6960 §4.2.1).
enum class ResponseStatus : uint8_t {
  kSuccessful = 0,
  kMalformedRequest = 1,
  kInternalError = 2,
  kTryLater = 3,
  kUnauthorized = 6,
};

enum class SignerKind { kCa, kDelegated };

struct ResponderOptions {
  uint32_t validity_s = 4 * 3600;  // nextUpdate - thisUpdate (thisUpdate: now, down to the minute)
  bool echo_nonce = false;         // echo a request's nonce (only where the caller allows it)
  SignerKind signer = SignerKind::kCa;
  size_t cache_entries = 200000;   // signed answers kept (about 300 B each CA-signed, 750 B delegated)
  // A cached answer is served while the store's revocation revision read at most this long ago
  // matches it. 0: read it for every request. Presign and Revoked always read it.
  uint32_t revocation_poll_ms = 0;
};

// ResponderStats: cache and signing counters, for tests and the benchmark.
struct ResponderStats {
  uint64_t cache_hits = 0;
  uint64_t cache_misses = 0;
  uint64_t signatures = 0;
  uint64_t status_reads = 0;      // per-certificate status reads from the store
  uint64_t signer_rotations = 0;  // delegated certificates issued
  size_t cache_size = 0;
}; 

// Answer is one OCSPResponse, ready to send.
struct Answer {
  ResponseStatus status = ResponseStatus::kInternalError;
  Bytes der;                 // the whole OCSPResponse (errors: the 5-byte unsigned form)
  UnixTime this_update = 0;  // successful only
  UnixTime next_update = 0;  // successful only
  bool nonce_echoed = false;
  // etag: for a cached single-certificate answer a strong validator over the bytes ("hex"): the
  // bytes stay the same while cached. For live-signed several-certificate answers a weak one
  // (W/"hex") over what they say (CertIDs, statuses, thisUpdate, nextUpdate): their producedAt and
  // randomised ECDSA signature differ each time, so a hash of the bytes would never repeat.
  std::string etag;
  std::string detail;        // why, for the log (never sent)
};

// ErrorAnswer returns the unsigned OCSPResponse for an error status (RFC 6960 §2.3).
Answer ErrorAnswer(ResponseStatus status, std::string detail);

class Responder final {
 public:
  // Create reads the issuer's certificate once to compute the CertID hashes that name it.
  static Result<std::unique_ptr<Responder>> Create(const issuance::Issuer& issuer, storage::Store& store,
                                                   const Clock& clock, ResponderOptions opts);
  ~Responder();
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;

  // Respond answers one DER OCSPRequest; it never fails (errors are error answers). may_echo_nonce:
  // the transport lets the answer carry the client's nonce (POST; a GET answer is shared by caches).
  Answer Respond(ByteView request_der, bool may_echo_nonce) const;
  // Presign signs and caches the answers for a newly issued certificate (SHA-1 and SHA-256 CertIDs),
  // so that even its first request costs a lookup and a cache read, not a signature.
  Result<void> Presign(const std::string& serial_hex) const;
  // Revoked re-signs the cached answers (SHA-1 and SHA-256 CertIDs) of a certificate whose revocation
  // just committed, from the store's status; an expired certificate is left alone (nothing signed).
  Result<void> Revoked(const std::string& serial_hex) const;

  ResponderStats stats() const;

 private:
  // Revision is the store's revocation revision: read now when fresh (or when polling is off),
  // otherwise the last one read if that is under revocation_poll_ms old.
  Result<int64_t> Revision(bool fresh) const;
  struct State;
  // SingleStatus is what the store says about one CertID (reason 0, unspecified, is left out).
  using SingleStatus = StatusSnapshot;
  // CertState: what the store says about one CertID's certificate, and when that expires.
  struct CertState {
    SingleStatus status;
    UnixTime not_after = 0;
  };
  explicit Responder(std::unique_ptr<State> s);
  Result<std::vector<CertState>> Resolve(std::span<const CertIdRef> ids) const;
  // Sign signs one answer for ids. echo_nonce_of: the request whose nonce the answer carries (null:
  // none). for_cache: the answer goes into the cache, which gives it a strong ETag over its bytes,
  // so the weak one over what it says is not computed.
  Result<Answer> Sign(std::span<const CertIdRef> ids, const std::vector<SingleStatus>& statuses,
                      OCSP_REQUEST* echo_nonce_of, bool for_cache) const;
  // FromCache answers a single-CertID request for our issuer from a cache entry whose status was
  // read at the store's current revocation revision: served before its refresh point, or, for an
  // expired certificate, before its nextUpdate (kUnauthorized from then on; never re-signed). Else
  // nullopt, and *entry is what the cache held (null if nothing), for AnswerSingle.
  std::optional<Answer> FromCache(HashAlg hash, ByteView issuer_name_hash, ByteView issuer_key_hash,
                                  const std::string& serial_hex, int64_t revision,
                                  std::shared_ptr<const CachedAnswer>* entry) const;
  // AnswerSingle answers one CertID without a nonce after FromCache missed: reads its status, then
  // Cached. The one path behind a client's single-CertID request and Presign/Revoked, so their
  // cache entries and bytes are the same.
  Answer AnswerSingle(const CertIdRef& id, int64_t revision, std::shared_ptr<const CachedAnswer> entry) const;
  // Cached answers a single-CertID request from the cache entry FromCache found, re-signing it
  // first when it is missing, says another status than the store, or is due for refresh; for an
  // expired certificate it only serves a matching entry before its nextUpdate (kUnauthorized
  // otherwise). state was read after revision.
  Result<Answer> Cached(const CertIdRef& id, const CertState& state, int64_t revision,
                        std::shared_ptr<const CachedAnswer> entry) const;
  // AnswerBothHashes answers serial's CertIDs in SHA-1 and in SHA-256, built from the issuer hashes
  // computed at Create (no request is encoded and parsed again), as a client's request without
  // nonce is answered: revision read, FromCache, AnswerSingle (Presign, Revoked).
  Result<void> AnswerBothHashes(const std::string& serial_hex, const char* what, bool expired_is_ok) const;

  std::unique_ptr<State> s_;
};

}  // namespace ca::ocsp
