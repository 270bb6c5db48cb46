// The admin API in process: bearer-token authentication (constant-time match, every refusal a 401
// problem), routing, revocation through the store, suspend/resume, bounded bodies, bad input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "admin/api.h"
#include "admin/auth.h"
#include "common/bytes.h"
#include "ossl/pem.h"
#include "support/fakes.h"

namespace ca::admin {
namespace {

using nlohmann::json;

const std::string kToken = "s3cret-token-for-tests-0123456789";

std::string HashOf(const std::string& t) {
  return Hex(ossl::Sha256(ByteView(reinterpret_cast<const uint8_t*>(t.data()), t.size())));
}

http::Request Req(const std::string& method, const std::string& target, const std::string& body = "",
                  const std::string& auth = "Bearer " + kToken) {
  http::Request r;
  r.method = method;
  r.target = target;
  const size_t q = target.find('?');
  r.path = target.substr(0, q);
  r.query = q == std::string::npos ? "" : target.substr(q + 1);
  if (!auth.empty()) r.headers.emplace_back("authorization", auth);
  if (!body.empty()) r.headers.emplace_back("content-type", "application/json");
  r.body = body;
  r.tls = true;
  return r;
}

TEST(AdminAuth, MatchesOnlyTheRightToken) {
  std::vector<config::AdminToken> tokens = {{"a", HashOf("other")}, {"ops", HashOf(kToken)}};
  EXPECT_EQ(MatchToken(kToken, tokens), 1);
  EXPECT_EQ(MatchToken("other", tokens), 0);
  EXPECT_EQ(MatchToken(kToken + "x", tokens), -1);
  EXPECT_EQ(MatchToken(kToken.substr(1), tokens), -1);
  EXPECT_EQ(MatchToken("", tokens), -1);

  auto who = Authenticate(Req("GET", "/admin/v1/devices"), tokens);
  ASSERT_TRUE(who) << who.error().detail;
  EXPECT_EQ(who->Describe(), "admin-token:ops");
  EXPECT_EQ(who->authority, revocation::Authority::kOperator);
  EXPECT_TRUE(Authenticate(Req("GET", "/", "", "bearer " + kToken), tokens));  // scheme is case-insensitive
  for (const std::string& bad : std::vector<std::string>{"", "Basic " + kToken, "Bearer ", "Bearer wrong",
                                                         "Bearer" + kToken, "Bearer " + std::string(600, 'a')}) {
    auto r = Authenticate(Req("GET", "/", "", bad), tokens);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::kUnauthorized) << bad;
  }
  EXPECT_FALSE(Authenticate(Req("GET", "/"), {}));  // no tokens configured: nobody gets in
}

class AdminApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_.tokens = {{"ops", HashOf(kToken)}};
    auto s = storage::OpenSqliteStore(":memory:");
    ASSERT_TRUE(s);
    store_ = std::move(*s);
    for (const auto& [id, ident] : {std::pair{"devA", "C02A"}, std::pair{"devB", "C02B"}}) {
      core::Device d;
      d.id = id;
      d.identifier = ident;
      ASSERT_TRUE(store_->CreateDevice(d));
    }
    for (const auto& [serial, dev] : {std::pair{"0a", "devA"}, std::pair{"0b", "devA"}, std::pair{"0c", "devB"}}) {
      core::CertRecord c;
      c.id = std::string("id-") + serial;
      c.serial_hex = serial;
      c.der = {0x30, 0x00};
      c.not_before = 900;
      c.not_after = 5000;
      c.identifiers = {{"permanent-identifier", dev == std::string("devA") ? "C02A" : "C02B"}};
      c.attestation = std::string(R"({"device_id":")") + dev + "\"}";
      ASSERT_TRUE(store_->InsertCertificate(c));
    }
    api_ = std::make_unique<Api>(cfg_, *store_, clock_);
  }

  // Call returns the status and the parsed JSON body (checking the content type on the way).
  std::pair<int, json> Call(const http::Request& r) {
    http::Response out = api_->Handle(r);
    std::string ct;
    for (const auto& [k, v] : out.headers) {
      if (k == "Content-Type") ct = v;
    }
    EXPECT_EQ(ct, out.status >= 400 ? "application/problem+json" : "application/json") << r.target;
    json j = json::parse(out.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << out.body;
    if (out.status >= 400) {
      EXPECT_EQ(j["status"], out.status) << out.body;
    }
    return {out.status, j};
  }

  config::AdminConfig cfg_;
  std::unique_ptr<storage::Store> store_;
  testing::FakeClock clock_{1000};
  std::unique_ptr<Api> api_;
};

TEST_F(AdminApiTest, UnauthenticatedIs401EverywhereAndChangesNothing) {
  for (const std::string& auth : std::vector<std::string>{"", "Bearer nope", "Basic " + kToken}) {
    for (const auto& [m, t] : {std::pair{"GET", "/admin/v1/certificates"}, std::pair{"POST", "/admin/v1/devices/devA/revoke"},
                               std::pair{"GET", "/admin/v1/nothing-here"}}) {
      http::Response out = api_->Handle(Req(m, t, "", auth));
      EXPECT_EQ(out.status, 401) << m << " " << t << " " << auth;
      EXPECT_NE(out.body.find("urn:attestca:admin:error:unauthorized"), std::string::npos);
    }
  }
  EXPECT_EQ(store_->GetDevice("devA")->state, core::DeviceState::kActive);
}

TEST_F(AdminApiTest, ListsCertificates) {
  auto [st, j] = Call(Req("GET", "/admin/v1/certificates"));
  ASSERT_EQ(st, 200);
  EXPECT_EQ(j["certificates"].size(), 3u);
  auto [st2, j2] = Call(Req("GET", "/admin/v1/certificates?device=devA&status=valid"));
  ASSERT_EQ(st2, 200);
  ASSERT_EQ(j2["certificates"].size(), 2u);
  EXPECT_EQ(j2["certificates"][0]["device_id"], "devA");
  auto [st3, j3] = Call(Req("GET", "/admin/v1/certificates?serial=0C"));
  ASSERT_EQ(st3, 200);
  ASSERT_EQ(j3["certificates"].size(), 1u);
  EXPECT_EQ(j3["certificates"][0]["serial"], "0c");
  for (const char* bad : {"?status=gone", "?colour=red", "?status=valid&status=revoked", "?serial=zz", "?limit=0",
                          "?device=%zz"}) {
    EXPECT_EQ(Call(Req("GET", std::string("/admin/v1/certificates") + bad)).first, 400) << bad;
  }
}

TEST_F(AdminApiTest, RevokesACertificate) {
  auto [st, j] = Call(Req("POST", "/admin/v1/certificates/0a/revoke", R"({"reason":"keyCompromise"})"));
  ASSERT_EQ(st, 200) << j.dump();
  EXPECT_EQ(j["revocation_reason"], "keyCompromise");
  auto rec = store_->GetCertificateBySerial("0a");
  EXPECT_EQ(rec->revoked_at, 1000);
  EXPECT_EQ(rec->revocation_reason, 1);
  EXPECT_EQ(Call(Req("POST", "/admin/v1/certificates/0a/revoke", R"({"reason":1})")).first, 409);
  EXPECT_EQ(Call(Req("POST", "/admin/v1/certificates/ff/revoke", R"({"reason":1})")).first, 404);
  for (const char* bad : {R"({"reason":"cACompromise"})", R"({"reason":6})", R"({"reason":99})", R"({"reason":true})",
                          R"({"reason":1,"extra":2})", R"([1])", R"({"reason":1,"reason":2})", "not json"}) {
    EXPECT_EQ(Call(Req("POST", "/admin/v1/certificates/0b/revoke", bad)).first, 400) << bad;
  }
  EXPECT_FALSE(store_->GetCertificateBySerial("0b")->revoked_at);
  EXPECT_EQ(Call(Req("POST", "/admin/v1/certificates/0b/revoke", std::string(5000, ' '))).first, 413);
  EXPECT_EQ(Call(Req("GET", "/admin/v1/certificates/0b/revoke")).first, 405);
  // No body: unspecified.
  ASSERT_EQ(Call(Req("POST", "/admin/v1/certificates/0b/revoke")).first, 200);
  EXPECT_EQ(store_->GetCertificateBySerial("0b")->revocation_reason, 0);
}

TEST_F(AdminApiTest, DevicesShowRevokeSuspendResume) {
  auto [st, j] = Call(Req("GET", "/admin/v1/devices"));
  ASSERT_EQ(st, 200);
  EXPECT_EQ(j["devices"].size(), 2u);
  auto [st1, one] = Call(Req("GET", "/admin/v1/devices/devA"));
  ASSERT_EQ(st1, 200);
  EXPECT_EQ(one["identifier"], "C02A");
  EXPECT_EQ(one["certificates"].size(), 2u);
  EXPECT_EQ(Call(Req("GET", "/admin/v1/devices/nope")).first, 404);

  EXPECT_EQ(Call(Req("POST", "/admin/v1/devices/devB/suspend")).second["state"], "suspended");
  EXPECT_EQ(store_->GetDevice("devB")->state, core::DeviceState::kSuspended);
  EXPECT_EQ(Call(Req("POST", "/admin/v1/devices/devB/resume")).second["state"], "active");

  auto [st2, rev] = Call(Req("POST", "/admin/v1/devices/devA/revoke", R"({"reason":"privilegeWithdrawn"})"));
  ASSERT_EQ(st2, 200) << rev.dump();
  EXPECT_EQ(rev["state"], "revoked");
  EXPECT_EQ(rev["revoked_certificates"].size(), 2u);
  EXPECT_EQ(store_->GetCertificateBySerial("0a")->revocation_reason, 9);
  EXPECT_FALSE(store_->GetCertificateBySerial("0c")->revoked_at);
  EXPECT_EQ(Call(Req("POST", "/admin/v1/devices/devA/resume")).first, 409);
  auto [st3, revoked] = Call(Req("GET", "/admin/v1/devices?state=revoked"));
  ASSERT_EQ(st3, 200);
  ASSERT_EQ(revoked["devices"].size(), 1u);
  EXPECT_EQ(revoked["devices"][0]["id"], "devA");
}

TEST_F(AdminApiTest, UnknownRoutes) {
  for (const char* t : {"/admin/v1/", "/admin/v1", "/admin/v2/certificates", "/admin/v1/certificates/0a",
                        "/admin/v1/certificates//revoke", "/admin/v1/devices/devA/explode", "/admin/v1/devices/devA/"}) {
    EXPECT_EQ(Call(Req("GET", t)).first, 404) << t;
  }
  EXPECT_TRUE(IsAdminPath("/admin/v1/x"));
  EXPECT_TRUE(IsAdminPath("/admin"));
  EXPECT_FALSE(IsAdminPath("/administrator"));
  EXPECT_FALSE(IsAdminPath("/acme/acme/directory"));
}

}  // namespace
}  // namespace ca::admin
