#pragma once
// The OCSP HTTP binding (RFC 6960 App. A, RFC 9919 §6-7) on the plain-HTTP listener:
//   POST /ocsp (or /ocsp/) with the DER request as the body (Content-Type is not enforced: Boulder
//   and cfssl ignore it too), and GET /ocsp/<url-encoded base64 DER>.
// Answers carry Content-Type application/ocsp-response. Successful GET answers are cacheable until
// nextUpdate (Cache-Control max-age, ETag, Last-Modified, Expires; 304 on a matching If-None-Match);
// error answers never are (max-age=0, no-cache).
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/clock.h"
#include "http/message.h"
#include "ocsp/responder.h"

namespace ca::ocsp {

// PathOf returns the path of a raw request-target: absolute-form ("http://host/p") and the query
// dropped, nothing decoded.
std::string_view PathOf(std::string_view target);

// IsOcspPath reports whether a raw request-target belongs to the responder ("/ocsp", "/ocsp/...").
bool IsOcspPath(std::string_view target);

// DecodeGetTarget turns a GET request-target into the DER request: absolute-form and query are
// dropped, then "/ocsp" and every leading '/', then %XX escapes (a decoded space is a '+'), then
// base64 in the standard or URL-safe alphabet, padded or not. nullopt when any step fails.
std::optional<Bytes> DecodeGetTarget(std::string_view target);


class HttpEndpoint final {
 public:
  HttpEndpoint(const Responder& responder, const Clock& clock) : responder_(responder), clock_(clock) {}
  // Handle answers one request for an OCSP path; it never throws.
  http::Response Handle(const http::Request& req) const;

 private:
  // HandleUnsafe does the work; *outcome names the OCSP status, for the access log.
  http::Response HandleUnsafe(const http::Request& req, const char** outcome) const;
  const Responder& responder_;
  const Clock& clock_;
};

}  // namespace ca::ocsp
