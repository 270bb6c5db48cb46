// Server: accept loop, per-connection sessions (C++20 coroutines on a strand each), limits and
// timeouts, and Stop(). Beast/Asio live only here.
#include "http/server.h"

#include <algorithm>
#include <array>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "common/check.h"
#include "common/log.h"
#include "http/detail.h"
#include "http/tls.h"

namespace ca::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using BeastRequest = bhttp::request<bhttp::string_body>;

constexpr auto kLingerTime = std::chrono::seconds(1);  // drain/close_notify wait before closing
constexpr size_t kLingerBytes = 1 << 20;
constexpr size_t kMaxKeptHeadBytes = 4096;  // a session keeps a response-head buffer up to this size

auto Await(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

std::string FormatEndpoint(const tcp::endpoint& ep) {
  const auto addr = ep.address();
  if (addr.is_v6()) return fmt::format("[{}]:{}", addr.to_string(), ep.port());
  return fmt::format("{}:{}", addr.to_string(), ep.port());
}

// Connection is what Stop() needs from a live session.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual void CloseAsync() = 0;  // thread-safe: closes the socket on the session's strand
};

// Shared is the state sessions see: options, the handler and the registry of live connections.
struct Shared {
  ServerOptions opts;
  Handler handler;
  std::mutex mu;
  bool stopping = false;
  uint64_t next_id = 1;
  std::unordered_map<uint64_t, std::weak_ptr<Connection>> live;

  // Register returns 0 once Stop() has begun.
  uint64_t Register(const std::shared_ptr<Connection>& c) {
    std::lock_guard lock(mu);
    if (stopping) return 0;
    live.emplace(next_id, c);
    return next_id++;
  }
  void Unregister(uint64_t id) {
    std::lock_guard lock(mu);
    live.erase(id);
  }
};

Response InternalError() {
  Response r;
  r.status = 500;
  r.Set("Content-Type", "application/problem+json");
  r.body = detail::ProblemJson(500, "internal error");
  return r;
}

Response CallHandler(const Handler& handler, const Request& req) {
  try {
    Response res = handler(req);
    if (res.status < 200 || res.status > 599) {
      log::Error("http: handler for {} {} returned status {}", req.method, req.path, res.status);
      return InternalError();
    }
    return res;
  } catch (const std::exception& e) {
    log::Error("http: handler for {} {} threw: {}", req.method, req.path, e.what());
  } catch (...) {
    log::Error("http: handler for {} {} threw a non-std exception", req.method, req.path);
  }
  return InternalError();
}

// ToRequest takes the body out of the parsed message (it is not needed afterwards).
Request ToRequest(BeastRequest& in, const std::string& remote, bool tls, const std::vector<uint8_t>& client_cert) {
  Request req;
  req.method = std::string(in.method_string());
  req.target = std::string(in.target());
  std::tie(req.path, req.query) = detail::SplitTarget(req.target);
  for (const auto& f : in) {
    req.headers.emplace_back(detail::LowerAscii(f.name_string()), std::string(f.value()));
  }
  req.body = std::move(in.body());
  req.remote_address = remote;
  req.tls = tls;
  req.client_cert_der = client_cert;
  return req;
}

// PeerCertificateDer: the client certificate the handshake carried (also on a resumed session),
// DER, or empty.
std::vector<uint8_t> PeerCertificateDer(SSL* ssl) {
  const X509* peer = SSL_get0_peer_certificate(ssl);
  if (peer == nullptr) return {};
  const int n = i2d_X509(peer, nullptr);
  if (n <= 0) return {};
  std::vector<uint8_t> der(static_cast<size_t>(n));
  unsigned char* p = der.data();
  if (i2d_X509(peer, &p) != n) return {};
  return der;
}

// HasCrLf: two memchr scans (find_first_of calls memchr once per character).
bool HasCrLf(std::string_view s) {
  return s.find('\r') != std::string_view::npos || s.find('\n') != std::string_view::npos;
}

// SerializeHead writes the status line and header block of res into out (replacing what it held:
// sessions reuse one buffer, so a response costs no allocation there). It adds Content-Length and
// Connection; handler-set framing headers are dropped, as are headers with CR/LF or an empty name.
// For HEAD the Content-Length is that of the body that is not sent; 204 and 304 have none.
// Returns whether the connection stays open (a handler may ask for "Connection: close").
bool SerializeHead(const Response& res, unsigned version, bool keep_alive, std::string& out) {
  for (const auto& [name, value] : res.headers) {
    if (detail::EqualsIgnoreCase(name, "connection") && detail::EqualsIgnoreCase(value, "close")) keep_alive = false;
  }
  out.clear();
  out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(res.status);
  out += ' ';
  const auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(res.status));
  out.append(reason.data(), reason.size());
  out += "\r\n";
  for (const auto& [name, value] : res.headers) {
    if (name.empty() || HasCrLf(name) || HasCrLf(value)) {
      log::Error("http: dropping response header with CR/LF or empty name");
      continue;
    }
    if (detail::EqualsIgnoreCase(name, "content-length") || detail::EqualsIgnoreCase(name, "transfer-encoding") ||
        detail::EqualsIgnoreCase(name, "connection")) {
      continue;
    }
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  const bool bodyless_status = res.status == 204 || res.status == 304;
  if (!bodyless_status) {
    out += "Content-Length: ";
    out += std::to_string(res.body.size());
    out += "\r\n";
  }
  // HTTP/1.1 is persistent unless it says close; HTTP/1.0 only when it says keep-alive.
  if (version >= 11 && !keep_alive) out += "Connection: close\r\n";
  if (version < 11 && keep_alive) out += "Connection: keep-alive\r\n";
  out += "\r\n";
  return keep_alive;
}

// StatusForReadError: the status to answer a failed request read with, or 0 to just close.
int StatusForReadError(const error_code& ec) {
  if (ec == bhttp::error::body_limit) return 413;
  if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) return 431;
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return 0;
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) return 400;
  return 0;
}

template <class Stream>
class Session final : public Connection, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  Session(Shared& shared, Stream stream, std::string remote)
      : shared_(shared), stream_(std::move(stream)), remote_(std::move(remote)) {}
  ~Session() override {
    if (id_ != 0) shared_.Unregister(id_);
  }

  void set_id(uint64_t id) { id_ = id; }
  asio::any_io_executor Executor() { return Tcp().get_executor(); }

  void CloseAsync() override {
    asio::post(Tcp().get_executor(), [self = this->shared_from_this()] {
      self->closed_ = true;
      self->Tcp().close();
    });
  }

  static asio::awaitable<void> Run(std::shared_ptr<Session> self) { co_await self->Serve(); }

 private:
  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }
  std::chrono::milliseconds Idle() const { return std::chrono::milliseconds(shared_.opts.idle_timeout_ms); }

  asio::awaitable<void> Serve() {
    error_code ec;
    if constexpr (kTls) {
      Tcp().expires_after(std::chrono::milliseconds(shared_.opts.tls_handshake_timeout_ms));
      co_await stream_.async_handshake(asio::ssl::stream_base::server, Await(ec));
      if (ec) {
        log::Debug("http: tls handshake with {} failed: {}", remote_, ec.message());
        Tcp().close();
        co_return;
      }
      client_cert_der_ = PeerCertificateDer(stream_.native_handle());
    }
    beast::flat_buffer buffer;
    while (!closed_) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<uint32_t>(std::min<size_t>(shared_.opts.max_header_bytes, UINT32_MAX)));
      parser.body_limit(shared_.opts.max_body_bytes);
      Tcp().expires_after(Idle());
      co_await bhttp::async_read_header(stream_, buffer, parser, Await(ec));
      if (!ec && !parser.is_done()) {
        if (detail::EqualsIgnoreCase(parser.get()[bhttp::field::expect], "100-continue")) {
          bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, parser.get().version()};
          co_await bhttp::async_write(stream_, cont, Await(ec));
        }
        if (!ec) co_await bhttp::async_read(stream_, buffer, parser, Await(ec));
      }
      if (ec) {
        const int status = closed_ ? 0 : StatusForReadError(ec);
        if (status != 0) co_await SendErrorAndClose(status, ec);
        Tcp().close();
        co_return;
      }
      BeastRequest& in = parser.get();
      const bool head = in.method() == bhttp::verb::head;
      const unsigned version = in.version();
      const bool wants_keep_alive = in.keep_alive();
      const Request req = ToRequest(in, remote_, kTls, client_cert_der_);
      const Response res = CallHandler(shared_.handler, req);
      const bool keep_alive = SerializeHead(res, version, wants_keep_alive && !closed_, head_buf_);
      Tcp().expires_after(Idle());
      co_await WriteResponse(res, head, ec);
      if (ec) break;
      if (!keep_alive) {
        co_await GracefulClose();
        co_return;
      }
    }
    Tcp().close();
  }

  // WriteResponse sends head_buf_ and, unless head or a 204/304, the body: one gathered write.
  asio::awaitable<void> WriteResponse(const Response& res, bool head, error_code& ec) {
    const bool with_body = !head && res.status != 204 && res.status != 304 && !res.body.empty();
    const std::array<asio::const_buffer, 2> buffers{
        asio::const_buffer(head_buf_.data(), head_buf_.size()),
        with_body ? asio::const_buffer(res.body.data(), res.body.size()) : asio::const_buffer()};
    co_await asio::async_write(stream_, buffers, Await(ec));
    // Keep the buffer for the next response, unless an unusual header block made it large.
    if (head_buf_.capacity() > kMaxKeptHeadBytes) std::string().swap(head_buf_);
  }

  // SendErrorAndClose answers a request that could not be read, then closes after draining what
  // the client may still be sending (so the kernel does not reset the connection under the reply).
  asio::awaitable<void> SendErrorAndClose(int status, const error_code& why) {
    log::Debug("http: {} from {}: {}", status, remote_, why.message());
    Response res;
    res.status = status;
    res.Set("Content-Type", "application/problem+json");
    const char* what = status == 413   ? "request body too large"
                       : status == 431 ? "request header too large"
                                       : "malformed HTTP request";
    res.body = detail::ProblemJson(status, what);
    SerializeHead(res, 11, false, head_buf_);
    error_code ec;
    Tcp().expires_after(Idle());
    co_await WriteResponse(res, false, ec);
    if (ec || closed_) co_return;
    Tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    Tcp().expires_after(std::min<std::chrono::milliseconds>(Idle(), kLingerTime));
    std::vector<char> scratch(16 * 1024);
    size_t drained = 0;
    while (!ec && !closed_ && drained < kLingerBytes) {
      drained += co_await Tcp().async_read_some(asio::buffer(scratch), Await(ec));
    }
  }

  asio::awaitable<void> GracefulClose() {
    error_code ec;
    if constexpr (kTls) {
      Tcp().expires_after(std::min<std::chrono::milliseconds>(Idle(), kLingerTime));
      co_await stream_.async_shutdown(Await(ec));
    }
    Tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
    Tcp().close();
  }

  Shared& shared_;
  Stream stream_;
  std::string remote_;
  std::vector<uint8_t> client_cert_der_;  // from the handshake; the same for every request on it
  std::string head_buf_;                  // the response head being written, reused
  uint64_t id_ = 0;
  bool closed_ = false;  // set on the strand by CloseAsync
};

void LogEscaped(const std::exception_ptr& e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    log::Error("http: session ended by exception: {}", x.what());
  } catch (...) {
    log::Error("http: session ended by unknown exception");
  }
}

}  // namespace

struct Server::Impl {
  Shared shared;
  std::optional<asio::ssl::context> ssl;  // declared before io_context: sessions reference it
  asio::io_context ioc;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  uint16_t port = 0;
  std::mutex stop_mu;
  bool stopped = false;

  Impl(const ServerOptions& opts, Handler handler)
      : ioc(static_cast<int>(std::max<uint32_t>(opts.threads, 1))), acceptor(asio::make_strand(ioc)) {
    shared.opts = opts;
    shared.handler = std::move(handler);
  }

  Result<void> Listen() {
    const ServerOptions& opts = shared.opts;
    auto fail = [&](std::string_view what, const error_code& ec) {
      return Fail(Errc::kInternal, fmt::format("http: cannot listen on {}: {}: {}", opts.listen, what, ec.message()));
    };
    CA_TRY(const detail::ListenAddress addr, detail::ParseListen(opts.listen));
    error_code ec;
    tcp::endpoint ep;
    if (addr.host.empty()) {
      ep = tcp::endpoint(tcp::v4(), addr.port);
    } else if (auto ip = asio::ip::make_address(addr.host, ec); !ec) {
      ep = tcp::endpoint(ip, addr.port);
    } else {
      tcp::resolver resolver(ioc);
      auto results = resolver.resolve(addr.host, std::to_string(addr.port), tcp::resolver::passive, ec);
      if (ec || results.empty()) return fail("resolve", ec);
      ep = results.begin()->endpoint();
    }
    acceptor.open(ep.protocol(), ec);
    if (ec) return fail("open", ec);
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (ec) return fail("setsockopt", ec);
    acceptor.bind(ep, ec);
    if (ec) return fail("bind", ec);
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail("listen", ec);
    const tcp::endpoint local = acceptor.local_endpoint(ec);
    if (ec) return fail("local_endpoint", ec);
    port = local.port();
    if (opts.tls) {
      ssl.emplace(asio::ssl::context::tls_server);
      CA_RETURN_IF_ERROR(detail::ConfigureServerTls(ssl->native_handle(), opts.tls_cert_chain_pem, opts.tls_key_pem));
    }
    return Ok();
  }

  template <class Stream>
  void Launch(std::shared_ptr<Session<Stream>> s) {
    const uint64_t id = shared.Register(s);
    if (id == 0) return;  // stopping: the socket closes with s
    s->set_id(id);
    auto ex = s->Executor();
    asio::co_spawn(std::move(ex), Session<Stream>::Run(std::move(s)), LogEscaped);
  }

  asio::awaitable<void> AcceptLoop() {
    for (;;) {
      error_code ec;
      tcp::socket sock(asio::make_strand(ioc));
      co_await acceptor.async_accept(sock, Await(ec));
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) {  // e.g. EMFILE: back off instead of spinning
        log::Warn("http: accept on {} failed: {}", shared.opts.listen, ec.message());
        asio::steady_timer timer(acceptor.get_executor(), std::chrono::milliseconds(100));
        co_await timer.async_wait(Await(ec));
        continue;
      }
      sock.set_option(tcp::no_delay(true), ec);
      const tcp::endpoint remote = sock.remote_endpoint(ec);
      std::string remote_str = ec ? std::string("unknown") : FormatEndpoint(remote);
      if (ssl) {
        Launch(std::make_shared<Session<TlsStream>>(shared, TlsStream(beast::tcp_stream(std::move(sock)), *ssl),
                                                     std::move(remote_str)));
      } else {
        Launch(std::make_shared<Session<PlainStream>>(shared, PlainStream(std::move(sock)), std::move(remote_str)));
      }
    }
  }

  void StartThreads() {
    asio::co_spawn(acceptor.get_executor(), AcceptLoop(), LogEscaped);
    const uint32_t n = std::max<uint32_t>(shared.opts.threads, 1);
    for (uint32_t i = 0; i < n; ++i) {
      threads.emplace_back([this] {
        for (;;) {
          try {
            ioc.run();
            return;
          } catch (const std::exception& e) {
            log::Error("http: worker caught exception: {}", e.what());
          }
        }
      });
    }
  }

  void Stop() {
    std::vector<std::shared_ptr<Connection>> live;
    {
      std::lock_guard lock(stop_mu);
      if (stopped) return;
      stopped = true;
    }
    for (const auto& t : threads) CA_CHECK(t.get_id() != std::this_thread::get_id());  // not from a handler
    {
      std::lock_guard lock(shared.mu);
      shared.stopping = true;
      for (auto& [id, weak] : shared.live) {
        if (auto c = weak.lock()) live.push_back(std::move(c));
      }
    }
    asio::post(acceptor.get_executor(), [this] {
      error_code ec;
      acceptor.close(ec);
    });
    for (auto& c : live) c->CloseAsync();
    live.clear();
    for (auto& t : threads) {
      if (t.joinable()) t.join();
    }
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

Result<std::unique_ptr<Server>> Server::Start(const ServerOptions& opts, Handler handler) {
  if (!handler) return Fail(Errc::kInternal, "http: no handler");
  auto impl = std::make_unique<Impl>(opts, std::move(handler));
  CA_RETURN_IF_ERROR(impl->Listen());
  impl->StartThreads();
  log::Info("http: listening on {} (bound port {}, {})", opts.listen, impl->port, opts.tls ? "tls" : "plain");
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

uint16_t Server::port() const { return impl_->port; }

void Server::Stop() {
  if (impl_) impl_->Stop();
}

}  // namespace ca::http
