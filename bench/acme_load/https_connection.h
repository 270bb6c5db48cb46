#pragma once
// HttpsConnection: one keep-alive HTTPS connection to the ACME server (Boost.Beast over TLS). Each
// load worker owns one, so the TLS handshake happens once per worker, not once per request. Every
// operation has a deadline; the connection is reopened when the server closes it.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "common/result.h"

namespace ca::acme_load {

// Endpoint is a TCP address: "127.0.0.1" and "8443".
struct Endpoint {
  std::string host;
  std::string port;
};

// ParseEndpoint reads "host:port" or "[v6]:port" (acme-load --connect).
Result<Endpoint> ParseEndpoint(std::string_view host_port);

// Origin is where every URL of one ACME server points: https://host:port.
struct Origin {
  std::string host;
  std::string port;
  std::string origin;  // "https://host:port", to check and strip absolute URLs
  // When set, the TCP connection goes here instead of host:port (one node behind a DNS round robin
  // or an L4 balancer); TLS server name, certificate check, Host header and URLs stay the origin's.
  std::optional<Endpoint> connect;
};

// ParseOrigin splits an https:// URL into its origin and its target ("/path?query").
Result<std::pair<Origin, std::string>> ParseHttpsUrl(std::string_view url);

struct HttpResponse {
  unsigned status = 0;
  std::string body;
  std::string location;
  std::string replay_nonce;
  std::string content_type;
};

// MakeTlsContext trusts ca_file (PEM), or the system store when it is empty; insecure skips
// verification (a server with a certificate we cannot check).
Result<std::shared_ptr<boost::asio::ssl::context>> MakeTlsContext(const std::string& ca_file, bool insecure);

class HttpsConnection final {
 public:
  HttpsConnection(std::shared_ptr<boost::asio::ssl::context> tls, Origin origin, std::chrono::milliseconds timeout);
  HttpsConnection(const HttpsConnection&) = delete;
  HttpsConnection& operator=(const HttpsConnection&) = delete;

  // Exchange sends one request (method GET, HEAD or POST) and reads the answer. Errors: kConnection
  // (connect, read, write, deadline), kTls (handshake), kIncorrectResponse (not HTTP or too large).
  Result<HttpResponse> Exchange(std::string_view method, const std::string& target, std::string_view content_type,
                                const std::string& body);

  int connects() const { return connects_; }

 private:
  Result<void> Connect();
  Result<HttpResponse> ExchangeOnce(std::string_view method, const std::string& target,
                                    std::string_view content_type, const std::string& body, bool* sent_nothing);

  std::shared_ptr<boost::asio::ssl::context> tls_;
  Origin origin_;
  std::chrono::milliseconds timeout_;
  boost::asio::io_context io_;
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> stream_;
  boost::beast::flat_buffer buffer_;
  int connects_ = 0;
};

}  // namespace ca::acme_load
