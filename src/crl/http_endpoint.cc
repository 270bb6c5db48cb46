#include "crl/http_endpoint.h"

#include <exception>

#include "common/log.h"

namespace ca::crl {
namespace {

constexpr int kMaxAgeSeconds = 60;

http::Response Plain(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.Set("Content-Type", "text/plain");
  r.Set("Cache-Control", "no-store");
  r.body = std::move(body);
  return r;
}

}  // namespace

bool IsCrlPath(std::string_view path) { return path == "/crl" || path.starts_with("/crl/"); }

http::Response HttpEndpoint::Handle(const http::Request& req) const {
  try {
    return HandleUnsafe(req);
  } catch (const std::exception& e) {
    log::Error("crl: {}", e.what());
  } catch (...) {
    log::Error("crl: unknown exception");
  }
  return Plain(500, "internal error\n");
}

http::Response HttpEndpoint::HandleUnsafe(const http::Request& req) const {
  const bool root = root_ != nullptr && req.path == kRootCrlPath;
  if (req.path != kCrlPath && !root) return Plain(404, "not found\n");
  if (req.method != "GET" && req.method != "HEAD") {
    http::Response r = Plain(405, "use GET\n");
    r.Set("Allow", "GET, HEAD");
    return r;
  }
  auto crl = root ? root_->Current() : publisher_.Current();
  if (!crl) {
    // The root publisher logs its own trouble (rate-limited): the root CRL is renewed monthly at most.
    if (!root) log::Error("crl: cannot publish: {}", crl.error().detail);
    return Plain(503, "CRL unavailable\n");
  }
  const SignedCrl& c = **crl;
  // One CRL number is one DER, so the number is a strong validator.
  const std::string etag = std::string(root ? "\"root-" : "\"") + std::to_string(c.number) + "\"";
  http::Response r;
  r.Set("Cache-Control", "public, max-age=" + std::to_string(kMaxAgeSeconds));
  r.Set("ETag", etag);
  r.Set("Last-Modified", http::HttpDate(c.this_update));
  r.Set("Expires", http::HttpDate(c.next_update));
  if (req.Header("if-none-match") == etag) {
    r.status = 304;
    return r;
  }
  r.Set("Content-Type", "application/pkix-crl");
  // For HEAD too: http::Server sends the Content-Length of this body and drops the body itself.
  r.body.assign(c.der.begin(), c.der.end());
  return r;
}

}  // namespace ca::crl
