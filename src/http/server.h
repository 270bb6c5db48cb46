#pragma once
// Server: HTTP/1.1 over TLS 1.2/1.3 or plain TCP (Boost.Beast/Asio behind a pimpl), keep-alive,
// header/body limits and timeouts. Handlers run on the server's worker threads and must not throw
// (an escaped exception becomes a 500 and a log line).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "http/message.h"

namespace ca::http {

using Handler = std::function<Response(const Request&)>;

struct ServerOptions {
  std::string listen = "127.0.0.1:0";  // host:port; IPv6 as [::1]:443; port 0 picks a free port
  bool tls = false;
  std::string tls_cert_chain_pem;  // PEM: leaf then intermediates (when tls)
  std::string tls_key_pem;         // PEM private key (when tls)
  size_t max_body_bytes = 64 * 1024;  // larger bodies get 413 without reaching the handler
  size_t max_header_bytes = 16 * 1024;
  uint32_t idle_timeout_ms = 30000;
  uint32_t threads = 2;
  uint32_t tls_handshake_timeout_ms = 10000;  // TLS handshake must finish within this
};

class Server final {
 public:
  // Start binds and begins serving on background threads; returns when it is listening.
  static Result<std::unique_ptr<Server>> Start(const ServerOptions& opts, Handler handler);
  ~Server();  // stops
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;  // the bound port (useful with port 0)
  void Stop();            // stops accepting, closes connections, joins threads; idempotent
                          // (must not be called from a handler: it would join its own thread)

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ca::http
