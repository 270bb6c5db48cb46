#pragma once
// GET /crl/intermediate.crl on the plain-HTTP listener: the DER CRL (application/pkix-crl,
// RFC 5280 §4.2.1.13), ETag (the CRL number), Last-Modified (thisUpdate), a short max-age so
// caches pick up a revocation within a minute, 304 on a matching If-None-Match.
#include <string_view>

#include "crl/publisher.h"
#include "http/message.h"

namespace ca::crl {

inline constexpr std::string_view kCrlPath = "/crl/intermediate.crl";

// IsCrlPath reports whether a request path belongs to the CRL endpoint ("/crl/...").
bool IsCrlPath(std::string_view path);

class HttpEndpoint final {
 public:
  explicit HttpEndpoint(Publisher& publisher) : publisher_(publisher) {}
  // Handle answers one request under /crl/; it never throws.
  http::Response Handle(const http::Request& req) const;

 private:
  http::Response HandleUnsafe(const http::Request& req) const;
  Publisher& publisher_;
};

}  // namespace ca::crl
