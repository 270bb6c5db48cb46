// http::Server over real sockets on 127.0.0.1:0, with Beast synchronous clients.
#include "http/server.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <gtest/gtest.h>
#include <openssl/pem.h>

#include "ossl/types.h"

namespace ca::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using ClientRequest = bhttp::request<bhttp::string_body>;
using ClientResponse = bhttp::response<bhttp::string_body>;

// Echo answers with a description of the request it saw.
Response Echo(const Request& req) {
  Response res;
  res.Set("Content-Type", "text/plain");
  res.Set("X-Method", req.method);
  res.Set("X-Path", req.path);
  res.Set("X-Query", req.query);
  res.Set("X-Remote", req.remote_address);
  res.Set("X-Tls", req.tls ? "1" : "0");
  res.Set("X-Test", req.Header("x-test"));
  res.body = req.body;
  return res;
}

std::unique_ptr<Server> MustStart(ServerOptions opts, Handler h) {
  auto s = Server::Start(opts, std::move(h));
  EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().detail);
  return s ? std::move(*s) : nullptr;
}

ClientRequest MakeRequest(bhttp::verb verb, std::string target, std::string body = {}) {
  ClientRequest req{verb, target, 11};
  req.set(bhttp::field::host, "127.0.0.1");
  if (!body.empty() || verb == bhttp::verb::post) {
    req.body() = std::move(body);
    req.prepare_payload();
  }
  return req;
}

// PlainClient is one keep-alive TCP connection.
class PlainClient {
 public:
  explicit PlainClient(uint16_t port) : stream_(ioc_) {
    stream_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  ClientResponse RoundTrip(const ClientRequest& req, bool head = false) {
    bhttp::write(stream_, req);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(16 << 20);
    if (head) parser.skip(true);
    bhttp::read(stream_, buffer_, parser);
    return parser.release();
  }
  void WriteRaw(std::string_view bytes) { asio::write(stream_, asio::buffer(bytes)); }
  ClientResponse Read() {
    ClientResponse res;
    bhttp::read(stream_, buffer_, res);
    return res;
  }
  // ReadUntilClosed returns the error that ended the connection (eof after a graceful close).
  beast::error_code ReadUntilClosed() {
    beast::error_code ec;
    char buf[4096];
    while (!ec) stream_.socket().read_some(asio::buffer(buf), ec);
    return ec;
  }

 private:
  asio::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

TEST(HttpServer, GetAndPostEcho) {
  auto server = MustStart({}, Echo);
  ASSERT_TRUE(server);
  PlainClient client(server->port());
  auto get = MakeRequest(bhttp::verb::get, "/acme/directory?a=1&b=2");
  get.set("X-Test", "hello");
  const ClientResponse r1 = client.RoundTrip(get);
  EXPECT_EQ(r1.result_int(), 200);
  EXPECT_EQ(r1["X-Method"], "GET");
  EXPECT_EQ(r1["X-Path"], "/acme/directory");
  EXPECT_EQ(r1["X-Query"], "a=1&b=2");
  EXPECT_EQ(r1["X-Test"], "hello");
  EXPECT_EQ(r1["X-Tls"], "0");
  EXPECT_EQ(r1["X-Remote"].substr(0, 10), "127.0.0.1:");
  EXPECT_EQ(r1["Content-Length"], "0");

  const ClientResponse r2 = client.RoundTrip(MakeRequest(bhttp::verb::post, "/new-order", R"({"x":1})"));
  EXPECT_EQ(r2.result_int(), 200);
  EXPECT_EQ(r2["X-Method"], "POST");
  EXPECT_EQ(r2.body(), R"({"x":1})");
  EXPECT_EQ(r2["Content-Length"], "7");
}

TEST(HttpServer, KeepAliveTwoRequestsOneConnection) {
  auto server = MustStart({}, Echo);
  ASSERT_TRUE(server);
  PlainClient client(server->port());
  const ClientResponse r1 = client.RoundTrip(MakeRequest(bhttp::verb::post, "/one", "first"));
  const ClientResponse r2 = client.RoundTrip(MakeRequest(bhttp::verb::post, "/two", "second"));
  EXPECT_TRUE(r1.keep_alive());
  EXPECT_EQ(r1.body(), "first");
  EXPECT_EQ(r2.body(), "second");
  EXPECT_EQ(r1["X-Remote"], r2["X-Remote"]);  // same client port: same connection

  auto last = MakeRequest(bhttp::verb::get, "/three");
  last.keep_alive(false);
  const ClientResponse r3 = client.RoundTrip(last);
  EXPECT_FALSE(r3.keep_alive());
  EXPECT_EQ(client.ReadUntilClosed(), asio::error::eof);
}

TEST(HttpServer, HeadSendsLengthButNoBody) {
  auto server = MustStart({}, [](const Request&) {
    Response r;
    r.body = "hello world";
    return r;
  });
  ASSERT_TRUE(server);
  PlainClient client(server->port());
  const ClientResponse head = client.RoundTrip(MakeRequest(bhttp::verb::head, "/"), /*head=*/true);
  EXPECT_EQ(head.result_int(), 200);
  EXPECT_EQ(head["Content-Length"], "11");
  EXPECT_TRUE(head.body().empty());
  // Had a body been sent, it would now be misread as the next response.
  const ClientResponse get = client.RoundTrip(MakeRequest(bhttp::verb::get, "/"));
  EXPECT_EQ(get.result_int(), 200);
  EXPECT_EQ(get.body(), "hello world");
}

// ReadRawUntil reads byte by byte until what it read ends with end_marker (64 KiB at most).
std::string ReadRawUntil(tcp::socket& sock, std::string_view end_marker) {
  std::string got;
  char c;
  while (got.size() < 64 * 1024 && (got.size() < end_marker.size() ||
                                    got.compare(got.size() - end_marker.size(), end_marker.size(), end_marker) != 0)) {
    asio::read(sock, asio::buffer(&c, 1));
    got.push_back(c);
  }
  return got;
}

// The response head is written by hand: status line with the reason phrase, the handler's headers
// as given, one Content-Length, nothing else; then the body in the same write.
TEST(HttpServer, ResponseHeadIsExactlyTheHandlersHeadersPlusLength) {
  auto server = MustStart({}, [](const Request&) {
    Response r;
    r.status = 404;
    r.Set("Content-Type", "text/plain");
    r.Set("X-Two", "a b");
    r.body = "nope";
    return r;
  });
  ASSERT_TRUE(server);
  asio::io_context ioc;
  tcp::socket sock(ioc);
  sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server->port()));
  asio::write(sock, asio::buffer(std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
  EXPECT_EQ(ReadRawUntil(sock, "\r\n\r\n"),
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nX-Two: a b\r\nContent-Length: 4\r\n\r\n");
  EXPECT_EQ(ReadRawUntil(sock, "nope"), "nope");
}

TEST(HttpServer, FramingHeadersFromTheHandlerAreReplacedAndCrLfHeadersDropped) {
  auto server = MustStart({}, [](const Request&) {
    Response r;
    r.Set("Content-Length", "999");
    r.Set("Transfer-Encoding", "chunked");
    r.Set("X-Bad", "a\r\nSet-Cookie: injected=1");
    r.Set("X-Good", "kept");
    r.body = "abc";
    return r;
  });
  ASSERT_TRUE(server);
  PlainClient client(server->port());
  const ClientResponse r = client.RoundTrip(MakeRequest(bhttp::verb::get, "/"));
  EXPECT_EQ(r["Content-Length"], "3");
  EXPECT_EQ(r.count(bhttp::field::transfer_encoding), 0u);
  EXPECT_EQ(r.count("X-Bad"), 0u);
  EXPECT_EQ(r.count(bhttp::field::set_cookie), 0u);
  EXPECT_EQ(r["X-Good"], "kept");
  EXPECT_EQ(r.body(), "abc");
  EXPECT_TRUE(r.keep_alive());
}

TEST(HttpServer, NotModifiedHasNoLengthAndNoBody) {
  auto server = MustStart({}, [](const Request& req) {
    Response r;
    r.status = req.path == "/304" ? 304 : 200;
    r.body = "would be the body";
    return r;
  });
  ASSERT_TRUE(server);
  PlainClient client(server->port());
  const ClientResponse r = client.RoundTrip(MakeRequest(bhttp::verb::get, "/304"));
  EXPECT_EQ(r.result_int(), 304);
  EXPECT_EQ(r.count(bhttp::field::content_length), 0u);
  EXPECT_TRUE(r.body().empty());
  // Had the body been sent, it would now be misread as the next response.
  EXPECT_EQ(client.RoundTrip(MakeRequest(bhttp::verb::get, "/")).body(), "would be the body");
}

TEST(HttpServer, HandlerConnectionCloseClosesAfterTheAnswer) {
  auto server = MustStart({}, [](const Request&) {
    Response r;
    r.Set("Connection", "close");
    r.body = "bye";
    return r;
  });
  ASSERT_TRUE(server);
  PlainClient client(server->port());
  const ClientResponse r = client.RoundTrip(MakeRequest(bhttp::verb::get, "/"));
  EXPECT_EQ(r.body(), "bye");
  EXPECT_FALSE(r.keep_alive());
  EXPECT_EQ(client.ReadUntilClosed(), asio::error::eof);
}

TEST(HttpServer, Http10KeepsAliveOnlyWhenAsked) {
  auto server = MustStart({}, Echo);
  ASSERT_TRUE(server);
  {
    PlainClient client(server->port());
    auto req = MakeRequest(bhttp::verb::post, "/ten", "x");
    req.version(10);
    req.keep_alive(true);
    const ClientResponse r = client.RoundTrip(req);
    EXPECT_EQ(r.version(), 10u);
    EXPECT_TRUE(r.keep_alive());
    EXPECT_EQ(r[bhttp::field::connection], "keep-alive");
    EXPECT_EQ(client.RoundTrip(req).body(), "x");  // the same connection serves another
  }
  PlainClient client(server->port());
  auto req = MakeRequest(bhttp::verb::post, "/ten", "y");
  req.version(10);
  const ClientResponse r = client.RoundTrip(req);
  EXPECT_EQ(r.version(), 10u);
  EXPECT_FALSE(r.keep_alive());
  EXPECT_EQ(r.body(), "y");
  EXPECT_EQ(client.ReadUntilClosed(), asio::error::eof);
}

TEST(HttpServer, BodyTooLargeGets413WithoutHandler) {
  std::atomic<int> calls{0};
  ServerOptions opts;
  opts.max_body_bytes = 1024;
  auto server = MustStart(opts, [&](const Request& r) {
    ++calls;
    return Echo(r);
  });
  ASSERT_TRUE(server);
  {
    PlainClient client(server->port());
    const ClientResponse ok = client.RoundTrip(MakeRequest(bhttp::verb::post, "/", std::string(1024, 'a')));
    EXPECT_EQ(ok.result_int(), 200);
  }
  PlainClient client(server->port());
  const ClientResponse r = client.RoundTrip(MakeRequest(bhttp::verb::post, "/", std::string(4096, 'a')));
  EXPECT_EQ(r.result_int(), 413);
  EXPECT_EQ(r[bhttp::field::content_type], "application/problem+json");
  EXPECT_EQ(r.body(),
            R"({"type":"urn:ietf:params:acme:error:malformed","detail":"request body too large","status":413})");
  EXPECT_FALSE(r.keep_alive());
  EXPECT_EQ(calls.load(), 1);
}

TEST(HttpServer, ChunkedBodyTooLargeGets413) {
  ServerOptions opts;
  opts.max_body_bytes = 100;
  auto server = MustStart(opts, Echo);
  ASSERT_TRUE(server);
  PlainClient client(server->port());
  client.WriteRaw("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n200\r\n" + std::string(0x200, 'b') +
                  "\r\n0\r\n\r\n");
  EXPECT_EQ(client.Read().result_int(), 413);
}

TEST(HttpServer, HeaderTooLargeAndMalformed) {
  ServerOptions opts;
  opts.max_header_bytes = 1024;
  auto server = MustStart(opts, Echo);
  ASSERT_TRUE(server);
  {
    PlainClient client(server->port());
    auto req = MakeRequest(bhttp::verb::get, "/");
    req.set("X-Big", std::string(4096, 'h'));
    EXPECT_EQ(client.RoundTrip(req).result_int(), 431);
  }
  {
    PlainClient client(server->port());
    client.WriteRaw("NOT AN HTTP REQUEST\r\n\r\n");
    const ClientResponse r = client.Read();
    EXPECT_EQ(r.result_int(), 400);
    EXPECT_FALSE(r.keep_alive());
    EXPECT_EQ(client.ReadUntilClosed(), asio::error::eof);
  }
}

TEST(HttpServer, HandlerExceptionBecomes500) {
  auto server = MustStart({}, [](const Request&) -> Response { throw std::runtime_error("boom"); });
  ASSERT_TRUE(server);
  PlainClient client(server->port());
  const ClientResponse r = client.RoundTrip(MakeRequest(bhttp::verb::get, "/"));
  EXPECT_EQ(r.result_int(), 500);
  EXPECT_EQ(r[bhttp::field::content_type], "application/problem+json");
  EXPECT_NE(r.body().find(R"("detail":"internal error")"), std::string::npos);
  // The connection survives.
  EXPECT_EQ(client.RoundTrip(MakeRequest(bhttp::verb::get, "/")).result_int(), 500);
}

TEST(HttpServer, IdleTimeoutClosesConnection) {
  ServerOptions opts;
  opts.idle_timeout_ms = 200;
  auto server = MustStart(opts, Echo);
  ASSERT_TRUE(server);
  PlainClient client(server->port());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(client.ReadUntilClosed(), asio::error::eof);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(HttpServer, BindFailureIsInternalError) {
  auto first = MustStart({}, Echo);
  ASSERT_TRUE(first);
  ServerOptions opts;
  opts.listen = "127.0.0.1:" + std::to_string(first->port());
  auto second = Server::Start(opts, Echo);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, Errc::kInternal);
  EXPECT_NE(second.error().detail.find(opts.listen), std::string::npos) << second.error().detail;

  opts.listen = "no-port";
  EXPECT_FALSE(Server::Start(opts, Echo).has_value());
}

TEST(HttpServer, Ipv6Loopback) {
  ServerOptions opts;
  opts.listen = "[::1]:0";
  auto server = Server::Start(opts, Echo);
  if (!server) GTEST_SKIP() << "no IPv6 loopback: " << server.error().detail;
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(tcp::endpoint(asio::ip::make_address("::1"), (*server)->port()));
  bhttp::write(stream, MakeRequest(bhttp::verb::get, "/v6"));
  beast::flat_buffer buf;
  ClientResponse res;
  bhttp::read(stream, buf, res);
  EXPECT_EQ(res["X-Remote"].substr(0, 6), "[::1]:");
}

TEST(HttpServer, StopWhileClientConnectedDoesNotHang) {
  auto server = MustStart({}, Echo);
  ASSERT_TRUE(server);
  PlainClient idle(server->port());
  PlainClient partial(server->port());
  partial.WriteRaw("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc");
  PlainClient used(server->port());
  EXPECT_EQ(used.RoundTrip(MakeRequest(bhttp::verb::get, "/")).result_int(), 200);
  const auto start = std::chrono::steady_clock::now();
  server->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_TRUE(idle.ReadUntilClosed());
  EXPECT_TRUE(partial.ReadUntilClosed());
  EXPECT_TRUE(used.ReadUntilClosed());
  server->Stop();  // idempotent
  server.reset();
}

// --- TLS ---

struct TestCert {
  ossl::UniquePtr<EVP_PKEY> key;
  ossl::UniquePtr<X509> cert;
};

std::string ToPem(X509* cert) {
  ossl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string ToPem(EVP_PKEY* key) {
  ossl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

void AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ossl::UniquePtr<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  ASSERT_TRUE(ext);
  ASSERT_EQ(X509_add_ext(cert, ext.get(), -1), 1);
}

// MakeCert issues a P-256 certificate for cn, signed by issuer (self-signed when null).
TestCert MakeCert(const char* cn, bool ca, const TestCert* issuer) {
  TestCert out;
  out.key.reset(EVP_EC_gen("P-256"));
  out.cert.reset(X509_new());
  X509* x = out.cert.get();
  X509_set_version(x, X509_VERSION_3);
  static long serial = 1;
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509* issuer_cert = issuer ? issuer->cert.get() : x;
  X509_set_issuer_name(x, X509_get_subject_name(issuer_cert));
  X509_set_pubkey(x, out.key.get());
  if (ca) {
    AddExt(x, issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
    AddExt(x, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddExt(x, issuer_cert, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  }
  X509_sign(x, issuer ? issuer->key.get() : out.key.get(), EVP_sha256());
  return out;
}

struct TlsReply {
  ClientResponse res;
  std::string version;
};

TlsReply TlsGet(uint16_t port, const std::string& trusted_pem, int max_version, int requests = 1,
               const TestCert* client = nullptr) {
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  if (client != nullptr) {
    SSL_CTX_use_certificate(ctx.native_handle(), client->cert.get());
    SSL_CTX_use_PrivateKey(ctx.native_handle(), client->key.get());
  }
  ctx.add_certificate_authority(asio::buffer(trusted_pem));
  ctx.set_verify_mode(asio::ssl::verify_peer);
  ctx.set_verify_callback(asio::ssl::host_name_verification("127.0.0.1"));
  SSL_CTX_set_max_proto_version(ctx.native_handle(), max_version);
  asio::io_context ioc;
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  beast::get_lowest_layer(stream).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  stream.handshake(asio::ssl::stream_base::client);
  TlsReply out;
  out.version = SSL_get_version(stream.native_handle());
  beast::flat_buffer buf;
  for (int i = 0; i < requests; ++i) {
    bhttp::write(stream, MakeRequest(bhttp::verb::post, "/tls?q", "secret"));
    out.res = {};
    bhttp::read(stream, buf, out.res);
  }
  beast::error_code ec;
  stream.shutdown(ec);
  return out;
}

TEST(HttpServerTls, SelfSignedTls13And12) {
  const TestCert leaf = MakeCert("localhost", false, nullptr);
  ServerOptions opts;
  opts.tls = true;
  opts.tls_cert_chain_pem = ToPem(leaf.cert.get());
  opts.tls_key_pem = ToPem(leaf.key.get());
  auto server = MustStart(opts, Echo);
  ASSERT_TRUE(server);
  const std::string trusted = ToPem(leaf.cert.get());
  const TlsReply r13 = TlsGet(server->port(), trusted, TLS1_3_VERSION, /*requests=*/2);
  EXPECT_EQ(r13.version, "TLSv1.3");
  EXPECT_EQ(r13.res.result_int(), 200);
  EXPECT_EQ(r13.res["X-Tls"], "1");
  EXPECT_EQ(r13.res["X-Path"], "/tls");
  EXPECT_EQ(r13.res.body(), "secret");
  const TlsReply r12 = TlsGet(server->port(), trusted, TLS1_2_VERSION);
  EXPECT_EQ(r12.version, "TLSv1.2");
  EXPECT_EQ(r12.res.body(), "secret");
}

// ClientCertLength answers with the size of the client certificate the request carries.
Response ClientCertLength(const Request& req) {
  Response res;
  res.Set("Content-Type", "text/plain");
  res.body = std::to_string(req.client_cert_der.size());
  return res;
}

TEST(HttpServerTls, RequestsButNeverRequiresAClientCertificate) {
  const TestCert leaf = MakeCert("localhost", false, nullptr);
  const TestCert other_root = MakeCert("Unrelated Root", true, nullptr);
  const TestCert client = MakeCert("client", false, &other_root);  // trusted by nobody: the TLS layer takes it
  ServerOptions opts;
  opts.tls = true;
  opts.tls_cert_chain_pem = ToPem(leaf.cert.get());
  opts.tls_key_pem = ToPem(leaf.key.get());
  auto server = MustStart(opts, ClientCertLength);
  ASSERT_TRUE(server);
  const std::string trusted = ToPem(leaf.cert.get());
  const std::string der_size = std::to_string(i2d_X509(client.cert.get(), nullptr));
  for (int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    EXPECT_EQ(TlsGet(server->port(), trusted, version).res.body(), "0") << version;
    // Every request on the connection carries the handshake's certificate.
    const TlsReply with = TlsGet(server->port(), trusted, version, /*requests=*/2, &client);
    EXPECT_EQ(with.res.result_int(), 200);
    EXPECT_EQ(with.res.body(), der_size) << version;
  }
}

TEST(HttpServerTls, ServesIntermediates) {
  const TestCert root = MakeCert("Test Root", true, nullptr);
  const TestCert inter = MakeCert("Test Intermediate", true, &root);
  const TestCert leaf = MakeCert("localhost", false, &inter);
  ServerOptions opts;
  opts.tls = true;
  opts.tls_cert_chain_pem = ToPem(leaf.cert.get()) + ToPem(inter.cert.get());
  opts.tls_key_pem = ToPem(leaf.key.get());
  auto server = MustStart(opts, Echo);
  ASSERT_TRUE(server);
  // The client trusts only the root, so the server must send the intermediate.
  EXPECT_EQ(TlsGet(server->port(), ToPem(root.cert.get()), TLS1_3_VERSION).res.body(), "secret");
}

TEST(HttpServerTls, BadKeyOrCertFailsStart) {
  const TestCert a = MakeCert("a", false, nullptr);
  const TestCert b = MakeCert("b", false, nullptr);
  ServerOptions opts;
  opts.tls = true;
  opts.tls_cert_chain_pem = ToPem(a.cert.get());
  opts.tls_key_pem = ToPem(b.key.get());
  auto mismatch = Server::Start(opts, Echo);
  ASSERT_FALSE(mismatch.has_value());
  EXPECT_EQ(mismatch.error().code, Errc::kInternal);
  opts.tls_cert_chain_pem = "garbage";
  EXPECT_FALSE(Server::Start(opts, Echo).has_value());
}

TEST(HttpServerTls, StopDuringHandshakeAndIdleDoesNotHang) {
  const TestCert leaf = MakeCert("localhost", false, nullptr);
  ServerOptions opts;
  opts.tls = true;
  opts.tls_cert_chain_pem = ToPem(leaf.cert.get());
  opts.tls_key_pem = ToPem(leaf.key.get());
  auto server = MustStart(opts, Echo);
  ASSERT_TRUE(server);
  PlainClient no_handshake(server->port());  // TCP connected, never says ClientHello
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto start = std::chrono::steady_clock::now();
  server.reset();  // destructor stops
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_TRUE(no_handshake.ReadUntilClosed());
}

TEST(HttpServerTls, HandshakeTimeout) {
  const TestCert leaf = MakeCert("localhost", false, nullptr);
  ServerOptions opts;
  opts.tls = true;
  opts.tls_cert_chain_pem = ToPem(leaf.cert.get());
  opts.tls_key_pem = ToPem(leaf.key.get());
  opts.tls_handshake_timeout_ms = 200;
  auto server = MustStart(opts, Echo);
  ASSERT_TRUE(server);
  PlainClient silent(server->port());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(silent.ReadUntilClosed());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace ca::http
