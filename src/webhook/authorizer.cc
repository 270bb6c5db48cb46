#include "webhook/authorizer.h"

#include <thread>

#include <openssl/crypto.h>

#include "common/log.h"

namespace ca::webhook {
namespace {

// PublicCause names a failed attempt for the client without the webhook's URL or addresses.
std::string PublicCause(const Error& e) {
  switch (e.code) {
    case Errc::kUnavailable: return e.detail;  // ParseAnswer's causes are meant to be shown
    case Errc::kConnection:
      return e.detail.find("Timeout") != std::string::npos ? "timeout" : "connection failed";
    case Errc::kTls: return "TLS failure";
    case Errc::kDns: return "DNS failure";
    case Errc::kIncorrectResponse: return "invalid HTTP answer";
    default: return "request failed";
  }
}

// InFlight counts a running call; Acquired() is false when the limit was already reached.
class InFlight {
 public:
  InFlight(std::atomic<size_t>& n, size_t max) : n_(n), ok_(n.fetch_add(1) < max) {}
  ~InFlight() { n_.fetch_sub(1); }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;
  bool Acquired() const { return ok_; }

 private:
  std::atomic<size_t>& n_;
  bool ok_;
};

}  // namespace

Result<Decision> Authorizer::Attempt(const std::string& body, const std::string& timestamp,
                                     const std::string& request_id) {
  http::ClientRequest r;
  r.method = "POST";
  r.url = s_.url;
  r.headers = {{"Content-Type", "application/json"},
               {"Accept", "application/json"},
               {kSignatureHeader, SignatureValue(s_.key.view(), body)},
               {kTimestampHeader, timestamp},
               {kRequestIdHeader, request_id}};
  r.body = body;
  r.timeout = s_.timeout;
  r.max_response_bytes = kMaxAnswerBytes;
  r.ca_file = s_.ca_file;
  r.lookup = s_.lookup;
  CA_TRY(const http::ClientResponse res, http::Fetch(r));
  return ParseAnswer(res.status, res.body);
}

Result<Decision> Authorizer::Ask(const AuthorizeRequest& req, int* attempts) {
  if (attempts != nullptr) *attempts = 0;
  InFlight slot(*s_.in_flight, s_.max_in_flight);
  if (!slot.Acquired()) {
    log::Warn("webhook provisioner={} request_id={}: {} calls already in flight", s_.provisioner, req.request_id,
              s_.max_in_flight);
    return Fail(Errc::kRateLimited, "too many device authorizations in progress; retry shortly");
  }
  const std::string body = RequestBody(req);
  const std::string timestamp = Rfc3339(req.timestamp);
  Error last;
  for (int attempt = 1; attempt <= 2; ++attempt) {
    if (attempt == 2) std::this_thread::sleep_for(s_.retry_pause);
    if (attempts != nullptr) *attempts = attempt;
    auto d = Attempt(body, timestamp, req.request_id);
    if (d) return d;
    last = d.error();
    log::Warn("webhook provisioner={} request_id={} attempt {} failed: {}", s_.provisioner, req.request_id,
              attempt, last.detail);
  }
  return Fail(Errc::kUnavailable, PublicCause(last));
}

Result<Authorizers> LoadAuthorizers(const config::Config& cfg, const SecretReader& read_secret,
                                    http::AddressLookup lookup, size_t max_in_flight) {
  Authorizers out;
  auto in_flight = std::make_shared<std::atomic<size_t>>(0);
  for (const auto& [name, p] : cfg.provisioners) {
    if (!p.webhook) continue;
    const config::WebhookConfig& w = *p.webhook;
    const std::string where = "provisioners." + name + ".webhook";
    auto secret = read_secret(w.secret_file.empty() ? "" : cfg.Path(w.secret_file), w.secret_env);
    if (!secret) return Fail(Errc::kMalformed, where + " secret: " + secret.error().detail);
    if (secret->size() < kMinSecretBytes) {
      return Fail(Errc::kMalformed, where + " secret: the HMAC key must be at least " +
                                        std::to_string(kMinSecretBytes) + " bytes");
    }
    Authorizer::Settings s;
    s.provisioner = name;
    s.url = w.url;
    s.key = SecretBytes(ToBytes(*secret));
    OPENSSL_cleanse(secret->data(), secret->size());  // only the SecretBytes copy remains
    s.timeout = std::chrono::seconds(w.timeout_s);
    s.ca_file = w.ca_file.empty() ? "" : cfg.Path(w.ca_file);
    s.lookup = lookup;
    s.max_in_flight = max_in_flight;
    s.in_flight = in_flight;
    out.emplace(name, std::make_unique<Authorizer>(std::move(s)));
  }
  return out;
}

}  // namespace ca::webhook
