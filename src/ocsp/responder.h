#pragma once
// Responder: OCSP requests in, DER OCSPResponses out (RFC 6960, RFC 9919 profile), answered for the
// certificates our intermediate issued. Three steps: Parse (request.h), Resolve (each CertID to a
// status from the store), Sign (one BasicOCSPResponse signed by the intermediate). A cache of
// pre-signed single responses slots in between Resolve and Sign later; nothing else changes.
//
// Never a signing oracle: a request that names a serial we never issued, another issuer, or a hash
// we do not answer in gets an unsigned `unauthorized` for the whole request (one unknown CertID
// among several spoils them all: RFC 6960 §4.2.2.3 wants one SingleResponse per CertID).
#include <cstdint>
#include <memory>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "issuance/issuer.h"
#include "ocsp/request.h"
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

struct ResponderOptions {
  uint32_t validity_s = 4 * 3600;  // nextUpdate - thisUpdate (thisUpdate: now, down to the minute)
  bool echo_nonce = false;         // echo a request's nonce (only where the caller allows it)
};

// Answer is one OCSPResponse, ready to send.
struct Answer {
  ResponseStatus status = ResponseStatus::kInternalError;
  Bytes der;                 // the whole OCSPResponse (errors: the 5-byte unsigned form)
  UnixTime this_update = 0;  // successful only
  UnixTime next_update = 0;  // successful only
  bool nonce_echoed = false;
  // etag: a weak HTTP validator (W/"hex"), equal for answers that say the same thing: the same
  // CertIDs, statuses, thisUpdate and nextUpdate. Live-signed answers differ in producedAt and in
  // the (randomised ECDSA) signature, so the RFC 9919 strong hash of the DER would never repeat;
  // thisUpdate is whole minutes, so within a minute a client's copy is still current.
  std::string etag;
  std::string detail;        // why, for the log (never sent)
};

// ErrorAnswer returns the unsigned OCSPResponse for an error status (RFC 6960 §2.3).
Answer ErrorAnswer(ResponseStatus status, std::string detail);

class Responder final {
 public:
  // Create reads the issuer's certificate once to compute the CertID hashes that name it.
  static Result<std::unique_ptr<Responder>> Create(const issuance::Issuer& issuer, storage::CertStore& store,
                                                   const Clock& clock, ResponderOptions opts);
  ~Responder();
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;

  // Respond answers one DER OCSPRequest; it never fails (errors are error answers). may_echo_nonce:
  // the transport lets the answer carry the client's nonce (POST; a GET answer is shared by caches).
  Answer Respond(ByteView request_der, bool may_echo_nonce) const;

 private:
  struct State;
  // SingleStatus is what the store says about one CertID.
  struct SingleStatus {
    bool revoked = false;
    UnixTime revoked_at = 0;
    int reason = 0;  // RFC 5280 CRLReason; 0 (unspecified) is left out of the answer
  };
  explicit Responder(std::unique_ptr<State> s);
  Result<std::vector<SingleStatus>> Resolve(const ParsedRequest& req) const;
  Result<Answer> Sign(const ParsedRequest& req, const std::vector<SingleStatus>& statuses, bool echo_nonce) const;

  std::unique_ptr<State> s_;
};

}  // namespace ca::ocsp
