#pragma once
// Test servers on 127.0.0.1 for the http-01 and tls-alpn-01 validators: an HTTP responder (plain or
// over TLS) driven by a handler, a tls-alpn-01 responder, and a builder for test certificates.
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <openssl/ssl.h>

#include "common/bytes.h"
#include "ossl/types.h"
#include "validation/challenges.h"

namespace ca::validation::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

inline constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

struct FakeResponse {
  FakeResponse(unsigned s = 200, std::string b = {}, std::string loc = {}, bool h = false)  // NOLINT
      : status(s), body(std::move(b)), location(std::move(loc)), hang(h) {}
  unsigned status = 200;
  std::string body;
  std::string location;
  bool hang = false;  // never answer
};

struct SeenRequest {
  std::string target;
  std::string host;
};

// FakeServer answers HTTP (plain, or over TLS when given a certificate). With alpn_acme, a client
// offering acme-tls/1 gets it selected and the connection closed after the handshake (RFC 8737).
// With silent, connections are accepted and never read.
class FakeServer {
 public:
  using Handler = std::function<FakeResponse(const std::string& target)>;

  explicit FakeServer(Handler h, bool silent = false) : handler_(std::move(h)), silent_(silent) { Start(); }
  FakeServer(Handler h, X509* cert, EVP_PKEY* key, bool alpn_acme)
      : handler_(std::move(h)), alpn_acme_(alpn_acme) {
    tls_.emplace(asio::ssl::context::tls_server);
    SSL_CTX* ctx = tls_->native_handle();
    SSL_CTX_use_certificate(ctx, cert);
    SSL_CTX_use_PrivateKey(ctx, key);
    SSL_CTX_set_alpn_select_cb(ctx, &FakeServer::SelectAlpn, this);
    Start();
  }
  ~FakeServer() {
    ioc_.stop();
    thread_.join();
  }
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  uint16_t port() const { return port_; }
  std::vector<SeenRequest> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }
  // last_sni: the SNI of the latest handshake (set before the ServerHello when ALPN is offered).
  std::string last_sni() {
    std::lock_guard lock(mu_);
    return last_sni_;
  }
  int handshakes() const { return handshakes_; }

 private:
  void Start() {
    acceptor_.open(asio::ip::tcp::v4());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(ioc_, Accept(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }

  static int SelectAlpn(SSL* ssl, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                        unsigned inlen, void* arg) {
    auto* self = static_cast<FakeServer*>(arg);
    {
      // Recorded here, before the ServerHello: the client may be done before the server's handshake.
      const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
      std::lock_guard lock(self->mu_);
      self->last_sni_ = sni ? sni : "";
    }
    if (!self->alpn_acme_) return SSL_TLSEXT_ERR_NOACK;
    for (unsigned i = 0; i < inlen;) {
      const unsigned len = in[i];
      if (i + 1 + len > inlen) break;
      if (std::string_view(reinterpret_cast<const char*>(in + i + 1), len) == kAlpnProtocol) {
        *out = in + i + 1;
        *outlen = static_cast<unsigned char>(len);
        return SSL_TLSEXT_ERR_OK;
      }
      i += 1 + len;
    }
    return SSL_TLSEXT_ERR_NOACK;
  }

  asio::awaitable<void> Accept() {
    for (;;) {
      auto [ec, sock] = co_await acceptor_.async_accept(kTuple);
      if (ec) co_return;
      asio::co_spawn(ioc_, Session(std::move(sock)), asio::detached);
    }
  }

  asio::awaitable<void> Hang() {
    asio::steady_timer t(ioc_, std::chrono::hours(1));
    co_await t.async_wait(kTuple);
  }

  asio::awaitable<void> Session(asio::ip::tcp::socket sock) {
    if (silent_) {
      co_await Hang();
      co_return;
    }
    if (!tls_) {
      co_await Serve(sock);
      boost::system::error_code ignored;
      sock.shutdown(asio::socket_base::shutdown_send, ignored);
      co_return;
    }
    asio::ssl::stream<asio::ip::tcp::socket> s(std::move(sock), *tls_);
    auto [ec] = co_await s.async_handshake(asio::ssl::stream_base::server, kTuple);
    if (ec) co_return;
    ++handshakes_;
    {
      const char* sni = SSL_get_servername(s.native_handle(), TLSEXT_NAMETYPE_host_name);
      std::lock_guard lock(mu_);
      last_sni_ = sni ? sni : "";
    }
    const unsigned char* alpn = nullptr;
    unsigned alpn_len = 0;
    SSL_get0_alpn_selected(s.native_handle(), &alpn, &alpn_len);
    if (alpn != nullptr) co_return;  // tls-alpn-01: the handshake is the answer
    co_await Serve(s);
    co_await s.async_shutdown(kTuple);
  }

  template <class Stream>
  asio::awaitable<void> Serve(Stream& s) {
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    auto [ec, n] = co_await http::async_read(s, buf, req, kTuple);
    if (ec) co_return;
    const std::string target(req.target());
    {
      std::lock_guard lock(mu_);
      seen_.push_back({target, std::string(req[http::field::host])});
    }
    const FakeResponse r = handler_(target);
    if (r.hang) {
      co_await Hang();
      co_return;
    }
    http::response<http::string_body> res;
    res.version(11);
    res.result(r.status);
    if (!r.location.empty()) res.set(http::field::location, r.location);
    res.body() = r.body;
    res.prepare_payload();
    co_await http::async_write(s, res, kTuple);
  }

  Handler handler_;
  bool silent_ = false;
  bool alpn_acme_ = false;
  std::optional<asio::ssl::context> tls_;  // outlives ioc_, whose destruction frees sessions
  asio::io_context ioc_;
  asio::ip::tcp::acceptor acceptor_{ioc_};
  uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<SeenRequest> seen_;
  std::string last_sni_;
  std::atomic<int> handshakes_{0};
};

// ClosedPort returns a loopback port nothing listens on (bound, then released).
inline uint16_t ClosedPort() {
  asio::io_context ioc;
  asio::ip::tcp::acceptor a(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

// AcmeExtensionValue is the DER of Authorization ::= OCTET STRING (SIZE (32)) (RFC 8737 §3).
inline Bytes AcmeExtensionValue(std::string_view key_authorization) {
  const auto d = Sha256(key_authorization);
  Bytes out = {0x04, 0x20};
  out.insert(out.end(), d.begin(), d.end());
  return out;
}

struct CertSpec {
  std::string san = "DNS:example.test";  // X509v3 config syntax; "" for no SAN extension
  std::optional<Bytes> acme_value;        // nullopt: no acmeIdentifier extension
  bool critical = true;
};

struct TestCert {
  ossl::UniquePtr<EVP_PKEY> key;
  ossl::UniquePtr<X509> cert;
};

inline TestCert MakeCert(const CertSpec& spec) {
  TestCert t;
  ossl::UniquePtr<EVP_PKEY_CTX> kctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY_keygen_init(kctx.get());
  EVP_PKEY_CTX_set_group_name(kctx.get(), "P-256");
  EVP_PKEY* k = nullptr;
  EVP_PKEY_generate(kctx.get(), &k);
  t.key.reset(k);

  t.cert.reset(X509_new());
  X509* x = t.cert.get();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, t.key.get());
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("acme"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  if (!spec.san.empty()) {
    ossl::UniquePtr<X509_EXTENSION> san(X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, spec.san.c_str()));
    X509_add_ext(x, san.get(), -1);
  }
  if (spec.acme_value) {
    ossl::UniquePtr<ASN1_OBJECT> oid(OBJ_txt2obj(kAcmeIdentifierOid, 1));
    ossl::UniquePtr<ASN1_STRING> os(ASN1_OCTET_STRING_new());
    ASN1_OCTET_STRING_set(os.get(), spec.acme_value->data(), static_cast<int>(spec.acme_value->size()));
    ossl::UniquePtr<X509_EXTENSION> ext(X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), spec.critical ? 1 : 0, os.get()));
    X509_add_ext(x, ext.get(), -1);
  }
  X509_sign(x, t.key.get(), EVP_sha256());
  return t;
}

}  // namespace ca::validation::testing
