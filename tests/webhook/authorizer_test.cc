// Authorizer against http::Server on 127.0.0.1: signed POST, one retry, fail closed, in-flight cap.
#include "webhook/authorizer.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "http/server.h"

namespace ca::webhook {
namespace {

using std::chrono::milliseconds;

const Bytes kKey(32, 0x42);

// Hook is a scripted webhook: answers[i] for the i-th call (the last one repeats).
struct Hook {
  struct Answer {
    int status = 200;
    std::string body = R"({"allow": true})";
    int delay_ms = 0;
  };
  explicit Hook(std::vector<Answer> script) : answers(std::move(script)) {
    http::ServerOptions opts;
    opts.threads = 4;
    auto s = http::Server::Start(opts, [this](const http::Request& r) {
      Answer a;
      {
        std::lock_guard lock(mu);
        seen.push_back(r);
        a = answers[std::min(seen.size(), answers.size()) - 1];
      }
      std::this_thread::sleep_for(milliseconds(a.delay_ms));
      http::Response res;
      res.status = a.status;
      res.body = a.body;
      return res;
    });
    EXPECT_TRUE(s);
    server = std::move(*s);
  }
  size_t calls() {
    std::lock_guard lock(mu);
    return seen.size();
  }
  std::mutex mu;
  std::vector<Answer> answers;
  std::vector<http::Request> seen;
  std::unique_ptr<http::Server> server;
};

Authorizer Make(const Hook& h, milliseconds timeout = milliseconds(2000), size_t max_in_flight = 4) {
  Authorizer::Settings s;
  s.provisioner = "devices";
  s.url = "http://127.0.0.1:" + std::to_string(h.server->port()) + "/authorize";
  s.key = SecretBytes(kKey);
  s.timeout = timeout;
  s.max_in_flight = max_in_flight;
  s.retry_pause = milliseconds(10);
  return Authorizer(std::move(s));
}

AuthorizeRequest Req() {
  static const attestation::AttestedDevice dev{"apple", {{"serial", "C02"}}, {}, "ab", {}, {}};
  AuthorizeRequest r;
  r.provisioner = "devices";
  r.identifier = {"permanent-identifier", "C02"};
  r.device = &dev;
  r.timestamp = 1700000000;
  r.request_id = "rid-1";
  return r;
}

TEST(WebhookAuthorizer, SignedPostAndDecision) {
  Hook h({{200, R"({"allow": false, "reason": "lost"})"}});
  auto a = Make(h);
  int attempts = 0;
  auto d = a.Ask(Req(), &attempts);
  ASSERT_TRUE(d) << d.error().detail;
  EXPECT_FALSE(d->allow);
  EXPECT_EQ(d->reason, "lost");
  EXPECT_EQ(attempts, 1);
  ASSERT_EQ(h.calls(), 1u);
  const http::Request& r = h.seen[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/authorize");
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.body, RequestBody(Req()));
  EXPECT_EQ(r.Header("x-attestca-signature"), SignatureValue(kKey, r.body));
  EXPECT_EQ(r.Header("x-attestca-timestamp"), "2023-11-14T22:13:20Z");
  EXPECT_EQ(r.Header("x-attestca-request-id"), "rid-1");
}

TEST(WebhookAuthorizer, RetriesOnceThenSucceeds) {
  Hook h({{500, "oops"}, {200, R"({"allow": true})"}});
  auto a = Make(h);
  int attempts = 0;
  auto d = a.Ask(Req(), &attempts);
  ASSERT_TRUE(d) << d.error().detail;
  EXPECT_TRUE(d->allow);
  EXPECT_EQ(attempts, 2);
  ASSERT_EQ(h.calls(), 2u);
  EXPECT_EQ(h.seen[0].body, h.seen[1].body);  // the same signed request again
}

TEST(WebhookAuthorizer, FailsClosedAfterTwoFailures) {
  Hook bad_json({{200, "not json"}});
  auto d = Make(bad_json).Ask(Req());
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, Errc::kUnavailable);
  EXPECT_EQ(d.error().detail, "the answer is not a JSON object");
  EXPECT_EQ(bad_json.calls(), 2u);

  Hook status({Hook::Answer{500}});
  auto s = Make(status).Ask(Req());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().detail, "HTTP status 500");
  EXPECT_EQ(status.calls(), 2u);

  Hook slow({{200, R"({"allow": true})", 1500}});
  const auto start = std::chrono::steady_clock::now();
  auto t = Make(slow, milliseconds(300)).Ask(Req());
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().detail, "timeout");  // no URL or address in what the client sees
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1400));
}

TEST(WebhookAuthorizer, ConcurrentCallsCapped) {
  Hook h({{200, R"({"allow": true})", 600}});
  auto a = Make(h, milliseconds(3000), /*max_in_flight=*/1);
  std::atomic<bool> first_ok{false};
  std::thread first([&] { first_ok = a.Ask(Req()).has_value(); });
  while (h.calls() == 0) std::this_thread::sleep_for(milliseconds(5));
  auto second = a.Ask(Req());
  first.join();
  EXPECT_TRUE(first_ok);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, Errc::kRateLimited);
  EXPECT_EQ(h.calls(), 1u);
  EXPECT_TRUE(a.Ask(Req()));  // the slot is free again
}

TEST(WebhookAuthorizer, CapSharedBetweenProvisioners) {
  Hook h({{200, R"({"allow": true})", 600}});
  auto shared = std::make_shared<std::atomic<size_t>>(0);
  const auto make = [&](const char* name) {
    Authorizer::Settings s;
    s.provisioner = name;
    s.url = "http://127.0.0.1:" + std::to_string(h.server->port()) + "/";
    s.key = SecretBytes(kKey);
    s.max_in_flight = 1;
    s.in_flight = shared;
    return std::make_unique<Authorizer>(std::move(s));
  };
  auto a = make("a");
  auto b = make("b");
  std::thread first([&] { EXPECT_TRUE(a->Ask(Req())); });
  while (h.calls() == 0) std::this_thread::sleep_for(milliseconds(5));
  auto second = b->Ask(Req());
  first.join();
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, Errc::kRateLimited);
  EXPECT_EQ(shared->load(), 0u);
}

TEST(WebhookAuthorizer, LoadReadsSecretsAndRefusesShortOnes) {
  auto cfg = config::ParseConfig(R"([provisioners.devices]
challenges = ["device-attest-01"]
[provisioners.devices.webhook]
url = "https://hook.example/"
secret_file = "hook.secret"
ca_file = "hook-ca.pem"
[provisioners.web]
)",
                                 "t.toml", "/etc/ca");
  ASSERT_TRUE(cfg) << cfg.error().detail;
  std::string asked;
  const SecretReader reader = [&asked](const std::string& file, const std::string&) -> Result<std::string> {
    asked = file;
    return std::string(32, 's');
  };
  auto loaded = LoadAuthorizers(*cfg, reader, nullptr, 2);
  ASSERT_TRUE(loaded) << loaded.error().detail;
  EXPECT_EQ(asked, "/etc/ca/hook.secret");
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ(loaded->at("devices")->url(), "https://hook.example/");

  const SecretReader short_reader = [](const std::string&, const std::string&) -> Result<std::string> {
    return std::string(31, 's');
  };
  auto refused = LoadAuthorizers(*cfg, short_reader, nullptr, 2);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().detail.find("at least 32 bytes"), std::string::npos);
}

}  // namespace
}  // namespace ca::webhook
