#include "ocsp/http_endpoint.h"

#include <gtest/gtest.h>

#include "common/base64.h"
#include "ocsp_test_util.h"
#include "ossl/x509_build.h"

namespace ca::ocsp {
namespace {

using namespace ::ca::ocsp::test;  // NOLINT

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  return s;
}

// A request whose base64 holds '+', '/' and padding, so every GET spelling below is exercised.
Bytes SampleWithAllCharacters() {
  for (int i = 0; i < 10000; ++i) {
    Bytes b = {0x30, 0x03, 0x02, 0x01, static_cast<uint8_t>(i)};
    b.push_back(static_cast<uint8_t>(i >> 8));
    b.push_back(0xfb);
    b.push_back(0xff);
    std::string t = Base64Encode(b);
    if (t.find('+') != std::string::npos && t.find('/') != std::string::npos && t.back() == '=') return b;
  }
  ADD_FAILURE() << "no sample";
  return {};
}

TEST(DecodeGetTarget, AcceptsEverySpellingClientsUse) {
  Bytes der = SampleWithAllCharacters();
  std::string b64 = Base64Encode(der);
  std::string enc = Replace(Replace(Replace(b64, "+", "%2B"), "/", "%2F"), "=", "%3D");
  std::string unpadded = b64.substr(0, b64.find('='));
  std::string urlsafe = Replace(Replace(unpadded, "+", "-"), "/", "_");
  for (const std::string& target :
       {"/ocsp/" + b64, "/ocsp/" + enc, "/ocsp/" + Replace(enc, "%2F", "%2f"), "/ocsp//" + b64, "/ocsp///" + enc,
        "/ocsp/" + unpadded, "/ocsp/" + urlsafe, "/ocsp/" + Replace(b64, "+", " "), "/ocsp/" + Replace(b64, "+", "%20"),
        "http://ocsp.example:8080/ocsp/" + enc, "/ocsp/" + b64 + "?x=1"}) {
    auto got = DecodeGetTarget(target);
    ASSERT_TRUE(got) << target;
    EXPECT_EQ(*got, der) << target;
  }
}

TEST(DecodeGetTarget, RefusesWhatIsNotBase64) {
  for (const std::string& target : std::vector<std::string>{"/ocsp", "/ocsp/", "/ocsp/%", "/ocsp/MA%G0", "/ocsp/MA%2", "/ocsp/MA%0AMA==",
                                    "/ocsp/MA MA", "/ocsp/M", "/ocsp/MAA=A", "/other/MAA=", "/ocsp/M!==",
                                    "/ocsp/" + std::string(20000, 'A')}) {
    EXPECT_FALSE(DecodeGetTarget(target)) << target.substr(0, 60);
  }
}

TEST(HttpDate, IsImfFixdate) {
  EXPECT_EQ(http::HttpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110's example
  EXPECT_EQ(http::HttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(IsOcspPath, OnlyTheOcspTree) {
  EXPECT_TRUE(IsOcspPath("/ocsp"));
  EXPECT_TRUE(IsOcspPath("/ocsp/"));
  EXPECT_TRUE(IsOcspPath("/ocsp/MEQw"));
  EXPECT_FALSE(IsOcspPath("/ocspx"));
  EXPECT_FALSE(IsOcspPath("/ca/root.pem"));
  EXPECT_TRUE(IsOcspPath("http://ocsp.example/ocsp/MEQw"));
  EXPECT_TRUE(IsOcspPath("/ocsp?x"));
  EXPECT_FALSE(IsOcspPath("http://ocsp.example/other"));
}

class HttpEndpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(*storage::OpenSqliteStore(":memory:"));
    responder_ = std::move(*Responder::Create(*ca_.issuer, *store_, clock_, ResponderOptions{}));
    endpoint_ = std::make_unique<HttpEndpoint>(*responder_, clock_);
    auto leaf = ca_.Issue("http.test");
    serial_ = *ossl::SerialHex(X509_get0_serialNumber(leaf.get()));
    ASSERT_TRUE(store_->InsertCertificate(Record(serial_)));
  }
  static std::string Header(const http::Response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "";
  }
  http::Response Get(const Bytes& der, const std::string& if_none_match = "") {
    http::Request req;
    req.method = "GET";
    req.target = "/ocsp/" + Replace(Replace(Base64Encode(der), "/", "%2F"), "+", "%2B");
    req.path = req.target;
    if (!if_none_match.empty()) req.headers.emplace_back("if-none-match", if_none_match);
    return endpoint_->Handle(req);
  }
  http::Response Post(const std::string& body, const std::string& method = "POST") {
    http::Request req;
    req.method = method;
    req.target = req.path = "/ocsp";
    req.headers.emplace_back("content-type", "application/ocsp-request");
    req.body = body;
    return endpoint_->Handle(req);
  }
  static std::string Str(const Bytes& b) { return std::string(b.begin(), b.end()); }

  TestCa ca_ = TestCa::Make();
  ca::testing::FakeClock clock_{WallNow()};
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Responder> responder_;
  std::unique_ptr<HttpEndpoint> endpoint_;
  std::string serial_;
};

TEST_F(HttpEndpointTest, PostGoodAnswer) {
  ossl::UniquePtr<OCSP_CERTID> id(CertIdFor(ca_.inter.get(), serial_));
  http::Response r = Post(Str(RequestDer({OCSP_CERTID_dup(id.get())})));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Header(r, "Content-Type"), "application/ocsp-response");
  EXPECT_EQ(Header(r, "Date"), http::HttpDate(clock_.Now()));
  ClientView v = Inspect(Bytes(r.body.begin(), r.body.end()), ca_);
  EXPECT_TRUE(v.verified);
  EXPECT_EQ(FindStatus(v.basic.get(), id.get()).status, V_OCSP_CERTSTATUS_GOOD);
}

TEST_F(HttpEndpointTest, GetIsCacheableUntilNextUpdateAnd304OnTheEtag) {
  Bytes req = RequestDer({CertIdFor(ca_.inter.get(), serial_)});
  clock_.Advance(60 - clock_.Now() % 60 + 10);  // 10 s into a minute
  http::Response r = Get(req);
  ASSERT_EQ(r.status, 200);
  const UnixTime this_update = clock_.Now() - 10;
  EXPECT_EQ(Header(r, "Last-Modified"), http::HttpDate(this_update));
  EXPECT_EQ(Header(r, "Expires"), http::HttpDate(this_update + 4 * 3600));
  EXPECT_EQ(Header(r, "Cache-Control"), "max-age=" + std::to_string(4 * 3600 - 10) + ", public, no-transform, must-revalidate");
  std::string etag = Header(r, "ETag");
  ASSERT_FALSE(etag.empty());

  clock_.Advance(5);
  http::Response again = Get(req, etag);
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(Header(again, "ETag"), etag);
  EXPECT_EQ(Header(again, "Cache-Control"), "max-age=" + std::to_string(4 * 3600 - 15) + ", public, no-transform, must-revalidate");
  EXPECT_EQ(Get(req, "\"other\", " + etag).status, 304);
  EXPECT_EQ(Get(req, "*").status, 304);
  EXPECT_EQ(Get(req, "\"other\"").status, 200);

  // Revoked: the old ETag no longer matches.
  ASSERT_TRUE(store_->RevokeCertificate("cert-" + serial_, 1, clock_.Now()));
  http::Response revoked = Get(req, etag);
  EXPECT_EQ(revoked.status, 200);
  EXPECT_NE(Header(revoked, "ETag"), etag);
}

TEST_F(HttpEndpointTest, ErrorsAreNeverCacheable) {
  http::Response unauth = Get(RequestDer({CertIdFor(ca_.inter.get(), "1234")}));
  EXPECT_EQ(unauth.status, 200);
  EXPECT_EQ(unauth.body, Str(Bytes{0x30, 0x03, 0x0a, 0x01, 0x06}));
  EXPECT_EQ(Header(unauth, "Cache-Control"), "max-age=0, no-cache");
  EXPECT_EQ(Header(unauth, "ETag"), "");
  EXPECT_EQ(Header(unauth, "Content-Type"), "application/ocsp-response");

  http::Response garbage = Post("this is not DER");
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(garbage.body, Str(Bytes{0x30, 0x03, 0x0a, 0x01, 0x01}));
  EXPECT_EQ(Header(garbage, "Cache-Control"), "max-age=0, no-cache");

  http::Request bad_get;
  bad_get.method = "GET";
  bad_get.target = bad_get.path = "/ocsp/%zz";
  EXPECT_EQ(endpoint_->Handle(bad_get).status, 400);

  EXPECT_EQ(Post(std::string(kMaxRequestBytes + 1, '\x30')).status, 400);
}

TEST_F(HttpEndpointTest, OtherMethodsGet405) {
  http::Response r = Post("", "PUT");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(Header(r, "Allow"), "GET, POST");
}

TEST_F(HttpEndpointTest, EchoedNonceAnswersArePrivate) {
  responder_ = std::move(*Responder::Create(*ca_.issuer, *store_, clock_, ResponderOptions{3600, true}));
  endpoint_ = std::make_unique<HttpEndpoint>(*responder_, clock_);
  Bytes req = RequestDer({CertIdFor(ca_.inter.get(), serial_)}, 16);
  http::Response post = Post(Str(req));
  EXPECT_EQ(post.status, 200);
  EXPECT_EQ(Header(post, "Cache-Control"), "private, max-age=0");
  EXPECT_EQ(Header(post, "ETag"), "");
  http::Response get = Get(req);  // GET answers never echo, so they stay cacheable
  EXPECT_NE(Header(get, "ETag"), "");
}

}  // namespace
}  // namespace ca::ocsp
