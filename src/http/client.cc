// Fetch: Boost.Beast over Asio coroutines on a private io_context; every operation carries the one
// deadline (http/outbound.h), TLS through OpenSSL with peer and host verification.
#include "http/client.h"

#include <algorithm>
#include <cctype>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url.hpp>
#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "http/outbound.h"

namespace ca::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace urls = boost::urls;
using Ec = boost::system::error_code;

constexpr const char* kUserAgent = "attestca/1";

// Target is where to connect for a URL.
struct Target {
  std::string url;  // for details, without query (it may carry tokens)
  bool https = false;
  std::string host;  // name or IP literal, no brackets
  bool host_is_name = false;
  uint16_t port = 0;
  std::string host_header;
  std::string request_target;
  std::vector<std::string> addresses;
};

Result<Target> ParseTarget(const std::string& url) {
  const auto bad = [&url](std::string_view why) {
    return Fail(Errc::kMalformed, fmt::format("URL \"{}\": {}", url.substr(0, 200), why));
  };
  const auto parsed = urls::parse_absolute_uri(url);
  if (!parsed) return bad("not an absolute URI");
  const urls::url_view u = *parsed;
  Target t;
  if (u.scheme_id() == urls::scheme::https) {
    t.https = true;
  } else if (u.scheme_id() != urls::scheme::http) {
    return bad("the scheme must be http or https");
  }
  if (u.has_userinfo()) return bad("userinfo is not allowed");
  if (u.has_fragment()) return bad("a fragment is not allowed");
  switch (u.host_type()) {
    case urls::host_type::ipv4: t.host = u.host_ipv4_address().to_string(); break;
    case urls::host_type::ipv6: t.host = u.host_ipv6_address().to_string(); break;
    case urls::host_type::name:
      t.host = u.host_name();
      if (!t.host.empty() && t.host.back() == '.') t.host.pop_back();
      t.host_is_name = true;
      break;
    default: return bad("the host must be a DNS name or an IP address");
  }
  if (t.host.empty()) return bad("no host");
  t.port = t.https ? 443 : 80;
  if (u.has_port()) {
    if (u.port_number() == 0) return bad("invalid port");
    t.port = u.port_number();
  }
  t.host_header = u.encoded_host_and_port();
  t.request_target = u.encoded_target().empty() ? "/" : std::string(u.encoded_target());
  t.url = fmt::format("{}://{}{}", t.https ? "https" : "http", std::string_view(t.host_header),
                      std::string_view(u.encoded_path()));
  return t;
}

Result<void> Resolve(Target& t, const AddressLookup& lookup) {
  if (!t.host_is_name) {
    t.addresses = {t.host};
    return Ok();
  }
  if (!lookup) return Fail(Errc::kDns, fmt::format("Fetching {}: no resolver to look up {}", t.url, t.host));
  CA_TRY(auto addrs, lookup(t.host));
  if (addrs.empty()) return Fail(Errc::kDns, fmt::format("Fetching {}: no address for {}", t.url, t.host));
  std::stable_partition(addrs.begin(), addrs.end(),
                        [](const std::string& a) { return a.find(':') == std::string::npos; });
  t.addresses = std::move(addrs);
  return Ok();
}

template <class Stream>
asio::awaitable<Result<ClientResponse>> Exchange(Stream& s, beast::tcp_stream& tcp, const Target& t,
                                                 const ClientRequest& req, OutboundClock::time_point deadline) {
  const auto fail = [&t](const Ec& ec) {
    return Fail(Errc::kConnection, fmt::format("Fetching {}: {}", t.url, NetErrorText(ec, true)));
  };
  const auto incorrect = [&t](std::string_view why) {
    return Fail(Errc::kIncorrectResponse, fmt::format("Fetching {}: {}", t.url, why));
  };
  bhttp::request<bhttp::string_body> out{bhttp::string_to_verb(req.method), t.request_target, 11};
  out.set(bhttp::field::host, t.host_header);
  out.set(bhttp::field::user_agent, kUserAgent);
  out.set(bhttp::field::connection, "close");
  for (const auto& [k, v] : req.headers) out.insert(k, v);
  out.body() = req.body;
  out.prepare_payload();
  tcp.expires_at(deadline);
  auto [wec, wn] = co_await bhttp::async_write(s, out, kAwaitTuple);
  if (wec) co_return fail(wec);

  beast::flat_buffer buf;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<uint32_t>(std::min<size_t>(req.max_header_bytes, UINT32_MAX)));
  parser.body_limit(req.max_response_bytes);
  auto [hec, hn] = co_await bhttp::async_read_header(s, buf, parser, kAwaitTuple);
  if (hec == bhttp::error::header_limit) {
    co_return incorrect(fmt::format("response header larger than {} bytes", req.max_header_bytes));
  }
  if (hec == bhttp::error::body_limit) {  // a Content-Length over the cap is refused with the header
    co_return incorrect(fmt::format("response body larger than {} bytes", req.max_response_bytes));
  }
  if (hec && hec != bhttp::error::end_of_stream &&
      hec.category() == bhttp::make_error_code(bhttp::error::bad_version).category()) {
    co_return incorrect("not an HTTP/1.1 response: " + hec.message());
  }
  if (hec) co_return fail(hec);
  auto [bec, bn] = co_await bhttp::async_read(s, buf, parser, kAwaitTuple);
  if (bec == bhttp::error::body_limit) {
    co_return incorrect(fmt::format("response body larger than {} bytes", req.max_response_bytes));
  } else if (bec == asio::ssl::error::stream_truncated && parser.need_eof()) {
    Ec eof_ec;
    parser.put_eof(eof_ec);  // peer closed without close_notify: the body ends at EOF anyway
    if (eof_ec) co_return fail(eof_ec);
  } else if (bec) {
    co_return fail(bec);
  }
  ClientResponse r;
  r.status = parser.get().result_int();
  for (const auto& f : parser.get()) r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  r.body = std::move(parser.get().body());
  co_return r;
}

asio::awaitable<Result<ClientResponse>> Run(const Target& t, const ClientRequest& req, asio::ssl::context& tls,
                                            OutboundClock::time_point deadline) {
  auto ex = co_await asio::this_coro::executor;
  const auto connect_failed = [&t](const Ec& ec) {
    return Fail(Errc::kConnection, fmt::format("Fetching {}: {}", t.url, NetErrorText(ec, false)));
  };
  if (!t.https) {
    beast::tcp_stream tcp(ex);
    if (const Ec cec = co_await ConnectAny(tcp, t.addresses, t.port, deadline)) co_return connect_failed(cec);
    co_return co_await Exchange(tcp, tcp, t, req, deadline);
  }
  beast::ssl_stream<beast::tcp_stream> s(ex, tls);
  auto& tcp = beast::get_lowest_layer(s);
  if (const Ec cec = co_await ConnectAny(tcp, t.addresses, t.port, deadline)) co_return connect_failed(cec);
  SSL* ssl = s.native_handle();
  if (t.host_is_name) {
    SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(t.host.c_str()));
    if (SSL_set1_host(ssl, t.host.c_str()) != 1) co_return Fail(Errc::kInternal, "SSL_set1_host failed");
  } else if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), t.host.c_str()) != 1) {
    co_return Fail(Errc::kInternal, "X509_VERIFY_PARAM_set1_ip_asc failed");
  }
  tcp.expires_at(deadline);
  auto [hec] = co_await s.async_handshake(asio::ssl::stream_base::client, kAwaitTuple);
  if (hec) {
    if (IsTimeout(hec)) {
      co_return Fail(Errc::kConnection, fmt::format("Fetching {}: {}", t.url, NetErrorText(hec, true)));
    }
    const long verify = SSL_get_verify_result(ssl);
    const std::string why = verify != X509_V_OK ? X509_verify_cert_error_string(verify) : hec.message();
    co_return Fail(Errc::kTls, fmt::format("Fetching {}: TLS handshake failed: {}", t.url, why));
  }
  co_return co_await Exchange(s, tcp, t, req, deadline);
}

bool IsRedirect(unsigned status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// RedirectUrl resolves a Location against the current URL; https never redirects to http.
Result<std::string> RedirectUrl(const Target& from, const std::string& current, std::string_view location) {
  const auto bad = [&from](std::string_view why) {
    return Fail(Errc::kConnection, fmt::format("Fetching {}: {}", from.url, why));
  };
  const auto ref = urls::parse_uri_reference(location);
  if (location.empty() || !ref) return bad("redirect without a valid Location");
  urls::url dest;
  if (!urls::resolve(urls::url_view(current), *ref, dest)) return bad("redirect without a valid Location");
  dest.remove_fragment();
  if (dest.scheme_id() != urls::scheme::https && dest.scheme_id() != urls::scheme::http) {
    return bad("redirect to a scheme other than http or https");
  }
  if (from.https && dest.scheme_id() != urls::scheme::https) return bad("redirect from https to http refused");
  return std::string(dest.buffer());
}

bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

}  // namespace

std::string ClientResponse::Header(std::string_view name) const {
  const auto same = [name](const std::string& k) {
    return k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
           });
  };
  for (const auto& [k, v] : headers) {
    if (same(k)) return v;
  }
  return {};
}

Result<ClientResponse> Fetch(const ClientRequest& req) {
  const auto deadline = OutboundClock::now() + req.timeout;
  if (!IsToken(req.method) || bhttp::string_to_verb(req.method) == bhttp::verb::unknown) {
    return Fail(Errc::kMalformed, fmt::format("unsupported HTTP method \"{}\"", req.method.substr(0, 20)));
  }
  CA_TRY(Target t, ParseTarget(req.url));

  asio::ssl::context tls(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
  tls.set_verify_mode(asio::ssl::verify_peer);
  Ec ec;
  if (req.ca_file.empty()) {
    tls.set_default_verify_paths(ec);
  } else {
    tls.load_verify_file(req.ca_file, ec);
  }
  if (ec) {
    return Fail(Errc::kTls, fmt::format("Fetching {}: cannot load the trust store {}: {}", t.url,
                                        req.ca_file.empty() ? "(system)" : req.ca_file, ec.message()));
  }
  // Only GET and HEAD follow redirects: re-sending a body elsewhere is the caller's decision.
  const bool may_follow = req.max_redirects > 0 && (req.method == "GET" || req.method == "HEAD");
  std::string url = req.url;
  for (uint32_t hop = 0;; ++hop) {
    CA_RETURN_IF_ERROR(Resolve(t, req.lookup));
    if (OutboundClock::now() >= deadline) {
      return Fail(Errc::kConnection, fmt::format("Fetching {}: Timeout during the address lookup", t.url));
    }
    asio::io_context ioc;
    CA_TRY(ClientResponse r, RunToCompletion(ioc, Run(t, req, tls, deadline), deadline, "Fetching " + t.url));
    if (!may_follow || !IsRedirect(r.status)) return r;
    if (hop == req.max_redirects) {
      return Fail(Errc::kConnection, fmt::format("Fetching {}: more than {} redirects", t.url, req.max_redirects));
    }
    CA_TRY(url, RedirectUrl(t, url, r.Header("location")));
    CA_TRY(t, ParseTarget(url));
  }
}

}  // namespace ca::http
