#include "https_connection.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace ca::acme_load {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using Ec = boost::system::error_code;

constexpr size_t kMaxBody = 1 << 20;  // a certificate chain is a few KiB; anything larger is wrong

// Await runs one asynchronous operation to completion on io (the stream's deadline bounds it) and
// returns its error code: synchronous code with the timeouts only Beast's async operations have.
template <class Start>
Ec Await(asio::io_context& io, Start&& start) {
  Ec result = asio::error::would_block;
  start([&result](Ec ec, auto&&...) { result = ec; });
  io.restart();
  io.run();
  return result;
}

bool IsIpLiteral(const std::string& host) {
  Ec ec;
  (void)asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

Result<std::pair<Origin, std::string>> ParseHttpsUrl(std::string_view url) {
  const auto u = boost::urls::parse_absolute_uri(url);
  if (!u || u->scheme() != "https" || u->host().empty()) {
    return Fail(Errc::kMalformed, fmt::format("url: not an https URL: {}", url));
  }
  Origin o;
  o.host = u->host_address();
  o.port = u->has_port() ? std::string(u->port()) : "443";
  o.origin = fmt::format("https://{}", std::string(u->encoded_authority()));
  std::string target = std::string(u->encoded_path());
  if (target.empty()) target = "/";
  if (u->has_query()) target += "?" + std::string(u->encoded_query());
  return std::make_pair(std::move(o), std::move(target));
}

Result<Endpoint> ParseEndpoint(std::string_view host_port) {
  const auto bad = [&] {
    return Fail(Errc::kMalformed, fmt::format("endpoint: want HOST:PORT or [V6]:PORT, got '{}'", host_port));
  };
  const size_t colon = host_port.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == host_port.size()) return bad();
  std::string_view host = host_port.substr(0, colon);
  const std::string_view port = host_port.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return bad();
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return bad();  // a v6 address needs its brackets
  }
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) return bad();
  const int n = std::stoi(std::string(port));
  if (n < 1 || n > 65535) return bad();
  return Endpoint{std::string(host), std::string(port)};
}

Result<std::shared_ptr<asio::ssl::context>> MakeTlsContext(const std::string& ca_file, bool insecure) {
  auto tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
  if (insecure) {
    tls->set_verify_mode(asio::ssl::verify_none);
    return tls;
  }
  tls->set_verify_mode(asio::ssl::verify_peer);
  Ec ec;
  if (ca_file.empty()) {
    tls->set_default_verify_paths(ec);
  } else {
    tls->load_verify_file(ca_file, ec);
  }
  if (ec) return Fail(Errc::kTls, fmt::format("tls: cannot load the trust store {}: {}", ca_file, ec.message()));
  return tls;
}

HttpsConnection::HttpsConnection(std::shared_ptr<asio::ssl::context> tls, Origin origin,
                                 std::chrono::milliseconds timeout)
    : tls_(std::move(tls)), origin_(std::move(origin)), timeout_(timeout) {}

Result<void> HttpsConnection::Connect() {
  stream_.reset();
  buffer_.clear();
  ++connects_;
  // --connect: the TCP peer is the given node; everything above TCP still names the origin.
  const std::string& peer_host = origin_.connect ? origin_.connect->host : origin_.host;
  const std::string& peer_port = origin_.connect ? origin_.connect->port : origin_.port;
  asio::ip::tcp::resolver resolver(io_);
  Ec ec;
  const auto endpoints = resolver.resolve(peer_host, peer_port, ec);
  if (ec) return Fail(Errc::kConnection, fmt::format("connect: resolve {}: {}", peer_host, ec.message()));
  stream_.emplace(io_, *tls_);
  auto& tcp = beast::get_lowest_layer(*stream_);
  tcp.expires_after(timeout_);
  ec = Await(io_, [&](auto h) { tcp.async_connect(endpoints, std::move(h)); });
  if (ec) {
    const bool v6 = peer_host.find(':') != std::string::npos;
    return Fail(Errc::kConnection, fmt::format("connect: {}{}{}:{}: {}", v6 ? "[" : "", peer_host, v6 ? "]" : "",
                                               peer_port, ec.message()));
  }
  tcp.socket().set_option(asio::ip::tcp::no_delay(true), ec);
  SSL* ssl = stream_->native_handle();
  if (IsIpLiteral(origin_.host)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), origin_.host.c_str());
  } else {
    SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(origin_.host.c_str()));
    SSL_set1_host(ssl, origin_.host.c_str());
  }
  ec = Await(io_, [&](auto h) { stream_->async_handshake(asio::ssl::stream_base::client, std::move(h)); });
  if (ec) {
    const long verify = SSL_get_verify_result(ssl);
    const std::string why = verify != X509_V_OK ? X509_verify_cert_error_string(verify) : ec.message();
    stream_.reset();
    return Fail(Errc::kTls, fmt::format("tls: handshake with {}: {}", origin_.origin, why));
  }
  return Ok();
}

Result<HttpResponse> HttpsConnection::Exchange(std::string_view method, const std::string& target,
                                               std::string_view content_type, const std::string& body) {
  const bool reused = stream_.has_value();
  bool sent_nothing = false;
  auto r = ExchangeOnce(method, target, content_type, body, &sent_nothing);
  // A kept-alive connection the server closed in the meantime fails before any answer byte: send
  // again once on a fresh connection (the request never reached the server's handler).
  if (!r && reused && sent_nothing) r = ExchangeOnce(method, target, content_type, body, &sent_nothing);
  return r;
}

Result<HttpResponse> HttpsConnection::ExchangeOnce(std::string_view method, const std::string& target,
                                                   std::string_view content_type, const std::string& body,
                                                   bool* sent_nothing) {
  *sent_nothing = false;
  if (!stream_) CA_RETURN_IF_ERROR(Connect());
  bhttp::request<bhttp::string_body> req(bhttp::string_to_verb(method), target, 11);
  const bool v6 = origin_.host.find(':') != std::string::npos;
  req.set(bhttp::field::host, (v6 ? "[" + origin_.host + "]" : origin_.host) + ":" + origin_.port);
  req.set(bhttp::field::user_agent, "attestca-acme-load/1");
  if (!content_type.empty()) req.set(bhttp::field::content_type, content_type);
  req.body() = body;
  req.prepare_payload();

  auto& tcp = beast::get_lowest_layer(*stream_);
  tcp.expires_after(timeout_);
  Ec ec = Await(io_, [&](auto h) { bhttp::async_write(*stream_, req, std::move(h)); });
  if (!ec) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(kMaxBody);
    if (method == "HEAD") parser.skip(true);
    ec = Await(io_, [&](auto h) { bhttp::async_read(*stream_, buffer_, parser, std::move(h)); });
    if (!ec) {
      auto& msg = parser.get();
      HttpResponse out;
      out.status = msg.result_int();
      out.location = std::string(msg[bhttp::field::location]);
      out.replay_nonce = std::string(msg["Replay-Nonce"]);
      out.content_type = std::string(msg[bhttp::field::content_type]);
      out.body = std::move(msg.body());
      if (!msg.keep_alive()) stream_.reset();
      return out;
    }
    *sent_nothing = ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset ||
                    ec == asio::ssl::error::stream_truncated || ec == asio::error::eof;
  } else {
    *sent_nothing = true;
  }
  stream_.reset();
  if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit) {
    return Fail(Errc::kIncorrectResponse, fmt::format("http: answer to {} {} too large", method, target));
  }
  return Fail(Errc::kConnection, fmt::format("connection: {} {}: {}", method, target, ec.message()));
}

}  // namespace ca::acme_load
