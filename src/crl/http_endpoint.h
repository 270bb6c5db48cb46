#pragma once
// GET /crl/intermediate.crl (and /crl/root.crl, the root's CRL over the intermediate) on the
// plain-HTTP listener: the DER CRL (application/pkix-crl, RFC 5280 §4.2.1.13), ETag (the CRL
// number), Last-Modified (thisUpdate), a short max-age so caches pick up a revocation within a
// minute, 304 on a matching If-None-Match.
#include <string_view>

#include "crl/publisher.h"
#include "crl/root_publisher.h"
#include "http/message.h"

namespace ca::crl {

inline constexpr std::string_view kCrlPath = "/crl/intermediate.crl";

// IsCrlPath reports whether a request path belongs to the CRL endpoint ("/crl/...").
bool IsCrlPath(std::string_view path);

class HttpEndpoint final {
 public:
  // root: the root CRL's publisher; null: /crl/root.crl is not served (404).
  explicit HttpEndpoint(Publisher& publisher, RootPublisher* root = nullptr) : publisher_(publisher), root_(root) {}
  // Handle answers one request under /crl/; it never throws.
  http::Response Handle(const http::Request& req) const;

 private:
  http::Response HandleUnsafe(const http::Request& req) const;
  Publisher& publisher_;
  RootPublisher* root_;
};

}  // namespace ca::crl
