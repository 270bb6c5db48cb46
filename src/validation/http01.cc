// http-01 (RFC 8555 §8.3, RFC 8738 §7): GET http://<id>[:port]/.well-known/acme-challenge/<token>,
// following redirects to http or https (certificates not verified, as §8.3 allows), and compare
// the body (trailing whitespace trimmed) with the key authorization.
#include <algorithm>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url.hpp>
#include <fmt/format.h>
#include <openssl/ssl.h>

#include "validation/challenges.h"
#include "validation/net.h"

namespace ca::validation {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace urls = boost::urls;
using Ec = boost::system::error_code;

constexpr const char* kUserAgent = "attestca-validation/1";

// Target is one URL to fetch and where to connect for it.
struct Target {
  std::string url;          // for details: "http://example.test/.well-known/acme-challenge/x"
  bool https = false;
  std::vector<std::string> addresses;
  uint16_t port = 80;
  std::string host_header;  // "example.test", "example.test:5002", "[::1]:5002"
  std::string request_target;
  std::string sni;          // dns names only
};

struct Fetched {
  unsigned status = 0;
  std::string location;
  std::string body;
  bool too_large = false;
};

bool IsRedirect(unsigned status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::string Bracketed(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

template <class Stream>
asio::awaitable<Result<Fetched>> Exchange(Stream& s, beast::tcp_stream& tcp, const Target& t,
                                          Clock::time_point deadline) {
  const auto fail = [&t](const Ec& ec) {
    return Fail(Errc::kConnection, fmt::format("Fetching {}: {}", t.url, NetErrorText(ec, true)));
  };
  http::request<http::empty_body> req{http::verb::get, t.request_target, 11};
  req.set(http::field::host, t.host_header);
  req.set(http::field::user_agent, kUserAgent);
  req.set(http::field::accept, "*/*");
  req.set(http::field::connection, "close");
  tcp.expires_at(deadline);
  auto [wec, wn] = co_await http::async_write(s, req, kAwaitTuple);
  if (wec) co_return fail(wec);

  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  auto [hec, hn] = co_await http::async_read_header(s, buf, parser, kAwaitTuple);
  if (hec) co_return fail(hec);
  Fetched f;
  f.status = parser.get().result_int();
  if (IsRedirect(f.status)) f.location = std::string(parser.get()[http::field::location]);
  if (f.status != 200) co_return f;

  // Limits set after the header (a large Content-Length is an incorrect response, not an error);
  // body_limit covers chunked and EOF-delimited bodies.
  if (const auto len = parser.content_length(); len && *len > kMaxHttpBody) {
    f.too_large = true;
    co_return f;
  }
  parser.body_limit(kMaxHttpBody);
  auto [bec, bn] = co_await http::async_read(s, buf, parser, kAwaitTuple);
  if (bec == http::error::body_limit) {
    f.too_large = true;
  } else if (bec == asio::ssl::error::stream_truncated && parser.need_eof()) {
    Ec eof_ec;
    parser.put_eof(eof_ec);  // peer closed without close_notify: the body ends at EOF anyway
    if (eof_ec) co_return fail(eof_ec);
  } else if (bec) {
    co_return fail(bec);
  }
  f.body = std::move(parser.get().body());
  co_return f;
}

asio::awaitable<Result<Fetched>> Fetch(const Target& t, asio::ssl::context& tls, Clock::time_point deadline) {
  auto ex = co_await asio::this_coro::executor;
  if (!t.https) {
    beast::tcp_stream tcp(ex);
    const Ec cec = co_await ConnectAny(tcp, t.addresses, t.port, deadline);
    if (cec) co_return Fail(Errc::kConnection, fmt::format("Fetching {}: {}", t.url, NetErrorText(cec, false)));
    co_return co_await Exchange(tcp, tcp, t, deadline);
  }
  beast::ssl_stream<beast::tcp_stream> s(ex, tls);
  auto& tcp = beast::get_lowest_layer(s);
  const Ec cec = co_await ConnectAny(tcp, t.addresses, t.port, deadline);
  if (cec) co_return Fail(Errc::kConnection, fmt::format("Fetching {}: {}", t.url, NetErrorText(cec, false)));
  if (!t.sni.empty()) {
    SSL_ctrl(s.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(t.sni.c_str()));
  }
  tcp.expires_at(deadline);
  auto [hec] = co_await s.async_handshake(asio::ssl::stream_base::client, kAwaitTuple);
  if (hec) {
    if (IsTimeout(hec)) {
      co_return Fail(Errc::kConnection, fmt::format("Fetching {}: {}", t.url, NetErrorText(hec, true)));
    }
    co_return Fail(Errc::kTls, fmt::format("Fetching {}: TLS handshake failed: {}", t.url, hec.message()));
  }
  co_return co_await Exchange(s, tcp, t, deadline);
}

// RedirectTarget resolves location against the current URL and checks it (http/https to a DNS
// name or an IP); a DNS name is looked up with the same resolver.
Result<Target> RedirectTarget(const Target& from, std::string_view location, Resolver& resolver) {
  const auto bad = [&from](std::string_view why) {
    return Fail(Errc::kConnection, fmt::format("Fetching {}: {}", from.url, why));
  };
  if (location.empty()) return bad("redirect without a Location header");
  const auto ref = urls::parse_uri_reference(location);
  if (!ref) return bad(fmt::format("invalid redirect Location \"{}\"", Truncate(location)));
  urls::url dest;
  if (!urls::resolve(urls::url_view(from.url), *ref, dest)) {
    return bad(fmt::format("invalid redirect Location \"{}\"", Truncate(location)));
  }
  dest.remove_fragment();
  dest.remove_userinfo();
  Target t;
  if (dest.scheme_id() == urls::scheme::https) {
    t.https = true;
  } else if (dest.scheme_id() != urls::scheme::http) {
    return bad(fmt::format(
        "Invalid protocol scheme in redirect target. Only \"http\" and \"https\" protocol schemes are "
        "supported, not \"{}\"",
        Truncate(dest.scheme())));
  }
  std::string host;
  switch (dest.host_type()) {
    case urls::host_type::ipv4: host = dest.host_ipv4_address().to_string(); break;
    case urls::host_type::ipv6: host = dest.host_ipv6_address().to_string(); break;
    case urls::host_type::name:
      host = dest.host_name();
      if (!host.empty() && host.back() == '.') host.pop_back();
      t.sni = host;
      break;
    default: return bad(fmt::format("Invalid host in redirect target \"{}\"", Truncate(dest.buffer())));
  }
  if (host.empty()) return bad(fmt::format("Invalid host in redirect target \"{}\"", Truncate(dest.buffer())));
  t.port = t.https ? 443 : 80;
  if (dest.has_port()) {
    const auto port = dest.port_number();
    if (port == 0) return bad(fmt::format("Invalid port in redirect target \"{}\"", Truncate(dest.buffer())));
    t.port = port;
  }
  if (t.sni.empty()) {
    t.addresses = {host};
  } else {
    CA_TRY(auto addrs, resolver.LookupAddresses(host));
    std::stable_partition(addrs.begin(), addrs.end(),
                          [](const std::string& a) { return a.find(':') == std::string::npos; });
    t.addresses = std::move(addrs);
  }
  t.host_header = dest.encoded_host_and_port();
  t.request_target = dest.encoded_target().empty() ? "/" : std::string(dest.encoded_target());
  t.url = dest.buffer();
  return t;
}

bool IsTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// RedirectTlsContext is the client TLS context for redirects to https (RFC 8555 §8.3 lets the
// validation follow them; certificates are not checked). Made once: SSL_CTX_new cost more than
// a whole http-01 fetch. It is configured before first use and then only read, so threads may make
// connections from it concurrently.
asio::ssl::context& RedirectTlsContext() {
  static asio::ssl::context tls = [] {
    asio::ssl::context c(asio::ssl::context::tls_client);
    c.set_verify_mode(asio::ssl::verify_none);
    SSL_CTX_set_min_proto_version(c.native_handle(), TLS1_2_VERSION);
    return c;
  }();
  return tls;
}

}  // namespace

Result<void> ValidateHttp01(const Options& opts, Resolver& resolver, const ChallengeInput& in,
                            Clock::time_point deadline) {
  if (in.token.empty() || !std::all_of(in.token.begin(), in.token.end(), IsTokenChar)) {
    return Fail(Errc::kMalformed, "http-01 token is not base64url");
  }
  CA_TRY(auto addresses, TargetAddresses(resolver, in.identifier));
  Target t;
  const std::string host = Bracketed(in.identifier.type == core::kIp ? addresses.front() : in.identifier.value);
  t.addresses = std::move(addresses);
  t.port = opts.http01_port;
  t.host_header = t.port == 80 ? host : fmt::format("{}:{}", host, t.port);
  t.request_target = "/.well-known/acme-challenge/" + in.token;
  t.url = fmt::format("http://{}{}", t.host_header, t.request_target);

  asio::ssl::context& tls = RedirectTlsContext();
  for (uint32_t redirects = 0;; ++redirects) {
    asio::io_context ioc;
    CA_TRY(const Fetched f, RunToCompletion(ioc, Fetch(t, tls, deadline), deadline, "Fetching " + t.url));
    if (IsRedirect(f.status)) {
      if (redirects >= opts.max_redirects) {
        return Fail(Errc::kConnection, fmt::format("Fetching {}: Too many redirects", t.url));
      }
      CA_TRY(t, RedirectTarget(t, f.location, resolver));
      continue;
    }
    if (f.status != 200) {
      return Fail(Errc::kUnauthorized, fmt::format("Invalid response from {}: {}", t.url, f.status));
    }
    constexpr std::string_view kPrefix =
        "The key authorization file from the server did not match this challenge.";
    if (f.too_large) {
      return Fail(Errc::kIncorrectResponse,
                  fmt::format("{} Expected \"{}\" (got a body larger than {} bytes)", kPrefix,
                              in.key_authorization, kMaxHttpBody));
    }
    std::string_view body = f.body;
    const size_t end = body.find_last_not_of(" \t\r\n");
    body = end == std::string_view::npos ? std::string_view() : body.substr(0, end + 1);
    if (body == in.key_authorization) return Ok();
    return Fail(Errc::kIncorrectResponse, fmt::format("{} Expected \"{}\" (got \"{}\")", kPrefix,
                                                      in.key_authorization, Truncate(body)));
  }
}

}  // namespace ca::validation
