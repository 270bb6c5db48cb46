// OCSP over HTTP: request decoding (GET path and POST body), caching headers and status codes.
#include "ocsp/http_endpoint.h"

#include <chrono>
#include <ctime>

#include "common/base64.h"
#include "common/log.h"

namespace ca::ocsp {
namespace {

constexpr std::string_view kPrefix = "/ocsp";
constexpr const char* kContentType = "application/ocsp-response";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// PercentDecode decodes %XX (either case). '+' stays '+' (a path is not a form), and a decoded space
// becomes '+' again: clients that form-encode base64 turn '+' into a space (Boulder does the same).
std::optional<std::string> PercentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      int hi = HexValue(in[i + 1]);
      int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    out.push_back(c == ' ' ? '+' : c);
  }
  return out;
}

std::string_view Opaque(std::string_view tag) { return tag.substr(0, 2) == "W/" ? tag.substr(2) : tag; }
bool WeakEqual(std::string_view a, std::string_view b) { return Opaque(a) == Opaque(b); }

// HasEtag reports whether an If-None-Match value names etag (or is "*"); weak tags compare too
// (RFC 9110 §13.1.2 uses the weak comparison for If-None-Match).
bool HasEtag(std::string_view header, std::string_view etag) {
  size_t pos = 0;
  while (pos <= header.size()) {
    size_t comma = header.find(',', pos);
    std::string_view item = header.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item == "*" || WeakEqual(item, etag)) return true;
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return false;
}

// DateNow: the Date header for now, formatted once a second per thread.
const std::string& DateNow(UnixTime now) {
  thread_local UnixTime formatted_at = -1;
  thread_local std::string text;
  if (now != formatted_at) {
    text = http::HttpDate(now);
    formatted_at = now;
  }
  return text;
}

http::Response Base(int status, const Bytes& body, UnixTime now) {
  http::Response r;
  r.status = status;
  r.headers.reserve(6);  // what a successful answer sets: no reallocation on the way
  r.Set("Content-Type", kContentType);
  r.Set("Date", DateNow(now));
  r.body.assign(body.begin(), body.end());
  return r;
}

// ErrorResponse: an unsigned error answer, never cacheable (RFC 9919 §7.2; cached `unauthorized`
// answers for fresh certificates broke stapling at Let's Encrypt's CDN).
http::Response ErrorResponse(const Answer& a, UnixTime now) {
  int status = 500;
  switch (a.status) {
    case ResponseStatus::kMalformedRequest: status = 400; break;
    case ResponseStatus::kUnauthorized: status = 200; break;
    case ResponseStatus::kTryLater: status = 503; break;
    default: status = 500; break;
  }
  http::Response r = Base(status, a.der, now);
  r.Set("Cache-Control", "max-age=0, no-cache");
  return r;
}

const char* StatusName(ResponseStatus s) {
  switch (s) {
    case ResponseStatus::kSuccessful: return "successful";
    case ResponseStatus::kMalformedRequest: return "malformedRequest";
    case ResponseStatus::kInternalError: return "internalError";
    case ResponseStatus::kTryLater: return "tryLater";
    case ResponseStatus::kUnauthorized: return "unauthorized";
  }
  return "?";
}

}  // namespace

std::string_view PathOf(std::string_view target) {
  // Absolute-form ("http://host/ocsp/..."): keep the path only.
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.substr(0, scheme.size()) == scheme) {
      size_t slash = target.find('/', scheme.size());
      target = slash == std::string_view::npos ? std::string_view() : target.substr(slash);
    }
  }
  // Base64 never contains '?': anything from it on is a query.
  if (size_t q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  return target;
}

bool IsOcspPath(std::string_view target) {
  std::string_view path = PathOf(target);
  return path == kPrefix || path.substr(0, kPrefix.size() + 1) == "/ocsp/";
}

std::optional<Bytes> DecodeGetTarget(std::string_view target) {
  target = PathOf(target);
  if (target.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  target.remove_prefix(kPrefix.size());
  // Clients join "{url}/{b64}" naively: an AIA URL ending in '/' gives "//M..." (DER starts 0x30, so
  // the base64 starts with 'M', never '/').
  while (!target.empty() && target.front() == '/') target.remove_prefix(1);
  // Bound the work before decoding: the base64 of kMaxRequestBytes, each character escaped.
  if (target.empty() || target.size() > 3 * (4 * (kMaxRequestBytes + 2) / 3)) return std::nullopt;
  auto text = PercentDecode(target);
  if (!text) return std::nullopt;
  // Accept the URL-safe alphabet and missing padding (xipki does too); whitespace stays refused.
  for (char& c : *text) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  if (text->find('=') == std::string::npos) {
    if (text->size() % 4 == 1) return std::nullopt;
    text->append((4 - text->size() % 4) % 4, '=');
  }
  auto der = Base64Decode(*text);
  if (!der || der->size() > kMaxRequestBytes) return std::nullopt;
  return der;
}

http::Response HttpEndpoint::Handle(const http::Request& req) const {
  try {
    const auto start = std::chrono::steady_clock::now();
    const char* outcome = "-";
    http::Response r = HandleUnsafe(req, &outcome);
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
    // The GET path is the request itself (up to 40 KB): log its length, not its text.
    log::Access("{} {} /ocsp target_bytes={} status={} ocsp={} us={}", req.remote_address, req.method,
                req.target.size(), r.status, outcome, us);
    return r;
  } catch (const std::exception& e) {
    log::Error("ocsp: {} {} threw: {}", req.method, req.path, e.what());
  } catch (...) {
    log::Error("ocsp: {} {} threw a non-std exception", req.method, req.path);
  }
  static const Bytes kInternal = {0x30, 0x03, 0x0a, 0x01, 0x02};
  http::Response r;
  r.status = 500;
  r.Set("Content-Type", kContentType);
  r.Set("Cache-Control", "max-age=0, no-cache");
  r.body.assign(kInternal.begin(), kInternal.end());
  return r;
}

http::Response HttpEndpoint::HandleUnsafe(const http::Request& req, const char** outcome) const {
  const UnixTime now = clock_.Now();
  const bool is_get = req.method == "GET";
  if (!is_get && req.method != "POST") {
    http::Response r;
    r.status = 405;
    r.Set("Allow", "GET, POST");
    r.Set("Content-Type", "text/plain");
    r.body = "method not allowed\n";
    return r;
  }
  Answer answer;
  if (is_get) {
    auto der = DecodeGetTarget(req.target);
    answer = der ? responder_.Respond(*der, false)
                 : ErrorAnswer(ResponseStatus::kMalformedRequest, "GET: the path is not a base64 OCSP request");
  } else if (req.body.size() > kMaxRequestBytes) {
    answer = ErrorAnswer(ResponseStatus::kMalformedRequest, "POST: body larger than 10000 bytes");
  } else {
    answer = responder_.Respond(AsBytes(req.body), true);
  }
  *outcome = StatusName(answer.status);
  if (answer.status != ResponseStatus::kSuccessful) {
    log::Debug("ocsp: {}: {}", *outcome, answer.detail);
    return ErrorResponse(answer, now);
  }

  http::Response r = Base(200, answer.der, now);
  r.Set("Last-Modified", http::HttpDate(answer.this_update));
  r.Set("Expires", http::HttpDate(answer.next_update));
  if (answer.nonce_echoed) {
    // Made for this one client: nothing in between may hand it to another.
    r.Set("Cache-Control", "private, max-age=0");
    return r;
  }
  r.Set("ETag", answer.etag);
  r.Set("Cache-Control", "max-age=" + std::to_string(std::max<UnixTime>(0, answer.next_update - now)) +
                             ", public, no-transform, must-revalidate");
  if (is_get && req.HasHeader("if-none-match") && HasEtag(req.Header("if-none-match"), answer.etag)) {
    r.status = 304;
    r.body.clear();
  }
  return r;
}

}  // namespace ca::ocsp
