#include "crl/http_endpoint.h"

#include <gtest/gtest.h>

#include "crl/crl_test_util.h"
#include "support/fakes.h"

namespace ca::crl {
namespace {

std::string HeaderOf(const http::Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

http::Request Get(const std::string& path, const std::string& method = "GET") {
  http::Request r;
  r.method = method;
  r.target = path;
  r.path = path;
  return r;
}

class CrlHttpTest : public ::testing::Test {
 protected:
  test::TestCa ca = test::TestCa::Make();
  std::unique_ptr<storage::Store> store = std::move(*storage::OpenSqliteStore(":memory:"));
  ca::testing::FakeClock clock{test::WallNow()};
  Publisher publisher{*ca.issuer, *store, clock, Options{}};
  HttpEndpoint endpoint{publisher};
};

TEST_F(CrlHttpTest, ServesTheDerCrlWithCachingHeaders) {
  auto r = endpoint.Handle(Get("/crl/intermediate.crl"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "application/pkix-crl");
  EXPECT_EQ(HeaderOf(r, "Cache-Control"), "public, max-age=60");
  EXPECT_EQ(HeaderOf(r, "ETag"), "\"1\"");
  EXPECT_FALSE(HeaderOf(r, "Last-Modified").empty());
  Bytes der(r.body.begin(), r.body.end());
  auto crl = test::ParseCrl(der);
  ASSERT_TRUE(crl);
  EXPECT_EQ(test::CrlNumber(crl.get()), 1u);

  auto again = endpoint.Handle(Get("/crl/intermediate.crl"));
  EXPECT_EQ(again.body, r.body) << "unchanged state: the cached CRL";

  auto head = endpoint.Handle(Get("/crl/intermediate.crl", "HEAD"));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, r.body) << "the server, not the handler, drops a HEAD body (Content-Length stays right)";
}

TEST_F(CrlHttpTest, NotModifiedOnMatchingEtag) {
  auto first = endpoint.Handle(Get("/crl/intermediate.crl"));
  auto req = Get("/crl/intermediate.crl");
  req.headers.emplace_back("if-none-match", HeaderOf(first, "ETag"));
  auto r = endpoint.Handle(req);
  EXPECT_EQ(r.status, 304);
  EXPECT_TRUE(r.body.empty());
  req.headers.back().second = "\"999\"";
  EXPECT_EQ(endpoint.Handle(req).status, 200);
}

TEST_F(CrlHttpTest, OtherPathsAndMethodsAreRefused) {
  EXPECT_EQ(endpoint.Handle(Get("/crl/other.crl")).status, 404);
  EXPECT_EQ(endpoint.Handle(Get("/crl/")).status, 404);
  auto post = endpoint.Handle(Get("/crl/intermediate.crl", "POST"));
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(HeaderOf(post, "Allow"), "GET, HEAD");
  EXPECT_TRUE(IsCrlPath("/crl/intermediate.crl"));
  EXPECT_FALSE(IsCrlPath("/crlx"));
  EXPECT_FALSE(IsCrlPath("/ocsp"));
}

}  // namespace
}  // namespace ca::crl
