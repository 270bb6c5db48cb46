// http::Fetch against the project's own http::Server on 127.0.0.1 (plain and TLS).
#include "http/client.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include "http/server.h"
#include "ossl/types.h"

namespace ca::http {
namespace {

using std::chrono::milliseconds;

Response Echo(const Request& req) {
  Response res;
  res.Set("X-Method", req.method);
  res.Set("X-Target", req.target);
  res.Set("X-Host", req.Header("host"));
  res.Set("X-Sig", req.Header("x-sig"));
  res.Set("X-Type", req.Header("content-type"));
  res.body = req.body;
  return res;
}

std::unique_ptr<Server> Start(Handler h, const std::string& cert_pem = {}, const std::string& key_pem = {}) {
  ServerOptions opts;
  opts.tls = !cert_pem.empty();
  opts.tls_cert_chain_pem = cert_pem;
  opts.tls_key_pem = key_pem;
  auto s = Server::Start(opts, std::move(h));
  EXPECT_TRUE(s) << (s ? "" : s.error().detail);
  return s ? std::move(*s) : nullptr;
}

ClientRequest Get(std::string url) {
  ClientRequest req;
  req.url = std::move(url);
  return req;
}

std::string Url(const Server& s, const std::string& scheme = "http", const std::string& path = "/hook?a=1") {
  return scheme + "://127.0.0.1:" + std::to_string(s.port()) + path;
}

TEST(HttpClient, PostSendsHeadersAndBody) {
  auto server = Start(Echo);
  ClientRequest req;
  req.method = "POST";
  req.url = Url(*server);
  req.headers = {{"Content-Type", "application/json"}, {"X-Sig", "sha256=00"}};
  req.body = R"({"a":1})";
  auto r = Fetch(req);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->body, R"({"a":1})");
  EXPECT_EQ(r->Header("x-method"), "POST");
  EXPECT_EQ(r->Header("X-TARGET"), "/hook?a=1");
  EXPECT_EQ(r->Header("x-host"), "127.0.0.1:" + std::to_string(server->port()));
  EXPECT_EQ(r->Header("x-sig"), "sha256=00");
  EXPECT_EQ(r->Header("x-type"), "application/json");
  EXPECT_EQ(r->Header("absent"), "");
}

TEST(HttpClient, NameUsesTheLookupAndKeepsTheHostHeader) {
  auto server = Start(Echo);
  ClientRequest req;
  req.url = "http://webhook.test:" + std::to_string(server->port()) + "/";
  std::string asked;
  req.lookup = [&asked](const std::string& host) -> Result<std::vector<std::string>> {
    asked = host;
    return std::vector<std::string>{"127.0.0.1"};
  };
  auto r = Fetch(req);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(asked, "webhook.test");
  EXPECT_EQ(r->Header("x-host"), "webhook.test:" + std::to_string(server->port()));

  req.lookup = nullptr;  // a name and nothing to resolve it with
  auto none = Fetch(req);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::kDns);
}

TEST(HttpClient, RedirectsAreReturnedNotFollowed) {
  int calls = 0;
  auto server = Start([&calls](const Request&) {
    ++calls;
    Response res;
    res.status = 302;
    res.Set("Location", "/elsewhere");
    return res;
  });
  auto r = Fetch(Get(Url(*server)));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->status, 302u);
  EXPECT_EQ(r->Header("location"), "/elsewhere");
  EXPECT_EQ(calls, 1);
}

TEST(HttpClient, RedirectsFollowedWhenAllowedForGetOnly) {
  auto server = Start([](const Request& req) {
    Response res;
    if (req.path == "/a" || req.path == "/b") {
      res.status = req.path == "/a" ? 301 : 307;
      res.Set("Location", req.path == "/a" ? "/b#frag" : "/c?x=1");
    } else if (req.path == "/loop") {
      res.status = 302;
      res.Set("Location", "/loop");
    } else if (req.path == "/nowhere") {
      res.status = 302;
    } else {
      res.body = "landed " + req.target;
    }
    return res;
  });
  ClientRequest req = Get(Url(*server, "http", "/a"));
  req.max_redirects = 2;
  auto r = Fetch(req);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->body, "landed /c?x=1");

  req.max_redirects = 1;
  auto too_many = Fetch(req);
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().code, Errc::kConnection);
  EXPECT_NE(too_many.error().detail.find("more than 1 redirects"), std::string::npos) << too_many.error().detail;

  req.url = Url(*server, "http", "/nowhere");
  auto no_location = Fetch(req);
  ASSERT_FALSE(no_location);
  EXPECT_NE(no_location.error().detail.find("without a valid Location"), std::string::npos);

  req.max_redirects = 10;
  req.method = "POST";  // a body is never re-sent elsewhere: the 3xx is the answer
  req.url = Url(*server, "http", "/a");
  auto post = Fetch(req);
  ASSERT_TRUE(post) << post.error().detail;
  EXPECT_EQ(post->status, 301u);
}

TEST(HttpClient, TimeoutCoversTheWholeExchange) {
  auto server = Start([](const Request& req) {
    std::this_thread::sleep_for(milliseconds(1500));
    return Echo(req);
  });
  ClientRequest req;
  req.url = Url(*server);
  req.timeout = milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  auto r = Fetch(req);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kConnection);
  EXPECT_NE(r.error().detail.find("Timeout"), std::string::npos) << r.error().detail;
  EXPECT_LT(took, milliseconds(1200));
}

TEST(HttpClient, OversizeBodyAndHeaderRefused) {
  auto server = Start([](const Request& req) {
    Response res;
    if (req.path == "/big-header") res.Set("X-Pad", std::string(8000, 'h'));
    res.body = std::string(req.path == "/big-body" ? 5000 : 10, 'b');
    return res;
  });
  ClientRequest req;
  req.max_response_bytes = 1000;
  req.max_header_bytes = 4096;
  req.url = Url(*server, "http", "/big-body");
  auto body = Fetch(req);
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().code, Errc::kIncorrectResponse);
  EXPECT_NE(body.error().detail.find("response body larger than 1000 bytes"), std::string::npos)
      << body.error().detail;
  req.url = Url(*server, "http", "/big-header");
  auto header = Fetch(req);
  ASSERT_FALSE(header);
  EXPECT_EQ(header.error().code, Errc::kIncorrectResponse);
  EXPECT_NE(header.error().detail.find("response header larger than 4096 bytes"), std::string::npos)
      << header.error().detail;
  req.url = Url(*server, "http", "/small");
  EXPECT_TRUE(Fetch(req));
}

TEST(HttpClient, BadRequestsRefusedBeforeConnecting) {
  for (const char* url : {"ftp://127.0.0.1/", "http://user:pw@127.0.0.1/", "http://127.0.0.1/#f", "not a url",
                          "http://127.0.0.1:0/"}) {
    auto r = Fetch(Get(url));
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.error().code, Errc::kMalformed) << url;
  }
  ClientRequest bad_method = Get("http://127.0.0.1:1/");
  bad_method.method = "P OST";
  auto m = Fetch(bad_method);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, Errc::kMalformed);
}

TEST(HttpClient, ConnectionRefused) {
  uint16_t port = 0;
  {
    auto server = Start(Echo);
    port = server->port();
  }
  auto r = Fetch(Get("http://127.0.0.1:" + std::to_string(port) + "/"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kConnection);
  EXPECT_NE(r.error().detail.find("Connection refused"), std::string::npos) << r.error().detail;
}

// --- TLS ---

struct SelfSigned {
  std::string cert_pem;
  std::string key_pem;
};

std::string Pem(const std::function<void(BIO*)>& write) {
  ossl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  write(bio.get());
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

// MakeSelfSigned: a P-256 certificate for san (X509v3 syntax), its own trust anchor.
SelfSigned MakeSelfSigned(const char* san) {
  ossl::UniquePtr<EVP_PKEY> key(EVP_EC_gen("P-256"));
  ossl::UniquePtr<X509> x(X509_new());
  X509_set_version(x.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 7);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 3600);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x.get()), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("webhook test"), -1, -1, 0);
  X509_set_issuer_name(x.get(), X509_get_subject_name(x.get()));
  X509_set_pubkey(x.get(), key.get());
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
  ossl::UniquePtr<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san));
  X509_add_ext(x.get(), ext.get(), -1);
  X509_sign(x.get(), key.get(), EVP_sha256());
  return {Pem([&](BIO* b) { PEM_write_bio_X509(b, x.get()); }),
          Pem([&](BIO* b) { PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr); })};
}

class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    char tmpl[] = "/tmp/attestca-client-test-XXXXXX";
    const int fd = mkstemp(tmpl);
    EXPECT_GE(fd, 0);
    close(fd);
    path_ = tmpl;
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(HttpClientTls, VerifiesAgainstTheCaFile) {
  const SelfSigned cert = MakeSelfSigned("IP:127.0.0.1,DNS:webhook.test");
  auto server = Start(Echo, cert.cert_pem, cert.key_pem);
  TempFile ca(cert.cert_pem);
  ClientRequest req;
  req.method = "POST";
  req.body = "over tls";
  req.url = Url(*server, "https");
  req.ca_file = ca.path();
  auto r = Fetch(req);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->body, "over tls");

  req.url = "https://webhook.test:" + std::to_string(server->port()) + "/";  // by name (SNI + name check)
  req.lookup = [](const std::string&) -> Result<std::vector<std::string>> {
    return std::vector<std::string>{"127.0.0.1"};
  };
  auto by_name = Fetch(req);
  EXPECT_TRUE(by_name) << by_name.error().detail;
}

TEST(HttpClientTls, NoRedirectFromHttpsToHttp) {
  const SelfSigned cert = MakeSelfSigned("IP:127.0.0.1");
  auto server = Start(
      [](const Request&) {
        Response res;
        res.status = 302;
        res.Set("Location", "http://127.0.0.1:1/plain");
        return res;
      },
      cert.cert_pem, cert.key_pem);
  TempFile ca(cert.cert_pem);
  ClientRequest req = Get(Url(*server, "https"));
  req.ca_file = ca.path();
  req.max_redirects = 3;
  auto r = Fetch(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kConnection);
  EXPECT_NE(r.error().detail.find("redirect from https to http refused"), std::string::npos) << r.error().detail;
}

TEST(HttpClientTls, UntrustedOrWrongHostRefused) {
  const SelfSigned cert = MakeSelfSigned("DNS:other.test");
  auto server = Start(Echo, cert.cert_pem, cert.key_pem);
  ClientRequest req;
  req.url = Url(*server, "https");
  auto untrusted = Fetch(req);  // the system store does not know the test certificate
  ASSERT_FALSE(untrusted);
  EXPECT_EQ(untrusted.error().code, Errc::kTls);
  EXPECT_NE(untrusted.error().detail.find("TLS handshake failed"), std::string::npos) << untrusted.error().detail;

  TempFile ca(cert.cert_pem);
  req.ca_file = ca.path();
  auto wrong_host = Fetch(req);  // trusted, but issued for other.test, not 127.0.0.1
  ASSERT_FALSE(wrong_host);
  EXPECT_EQ(wrong_host.error().code, Errc::kTls);
  EXPECT_NE(wrong_host.error().detail.find("mismatch"), std::string::npos) << wrong_host.error().detail;

  req.ca_file = "/nonexistent/ca.pem";
  auto no_file = Fetch(req);
  ASSERT_FALSE(no_file);
  EXPECT_EQ(no_file.error().code, Errc::kTls);
  EXPECT_NE(no_file.error().detail.find("/nonexistent/ca.pem"), std::string::npos);
}

}  // namespace
}  // namespace ca::http
