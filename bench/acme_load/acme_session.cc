#include "acme_session.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <fmt/format.h>

#include "common/base64.h"
#include "ossl/pem.h"
#include "support/jws_signer.h"

namespace ca::acme_load {
namespace {

constexpr int kMaxBadNonceRetries = 10;
constexpr std::string_view kErrorPrefix = "urn:ietf:params:acme:error:";

// Problem turns a non-2xx answer into an error whose kind is the RFC 8555 error type.
Error Problem(const std::string& what, const HttpResponse& r) {
  std::string type = "http-" + std::to_string(r.status);
  std::string detail;
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_object()) {
    if (auto t = j.find("type"); t != j.end() && t->is_string()) {
      std::string s = t->get<std::string>();
      type = s.rfind(kErrorPrefix, 0) == 0 ? "acme:" + s.substr(kErrorPrefix.size()) : s;
    }
    if (auto d = j.find("detail"); d != j.end() && d->is_string()) detail = d->get<std::string>();
  }
  return Error{Errc::kIncorrectResponse, fmt::format("{}: {} -> {} {}", type, what, r.status, detail.substr(0, 300)), {}};
}

Result<nlohmann::json> EcJwk(EVP_PKEY* key) {
  unsigned char pub[65];
  size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub, &len) != 1 || len != 65 ||
      pub[0] != 0x04) {
    return Fail(Errc::kInternal, "key: not an uncompressed P-256 public key");
  }
  return nlohmann::json{{"crv", "P-256"},
                        {"kty", "EC"},
                        {"x", Base64UrlEncode(ByteView(pub + 1, 32))},
                        {"y", Base64UrlEncode(ByteView(pub + 33, 32))}};
}

}  // namespace

std::string ErrorKind(const Error& e) {
  const size_t colon = e.detail.find(": ");
  return colon == std::string::npos ? std::string("other") : e.detail.substr(0, colon);
}

AcmeSession::AcmeSession(std::shared_ptr<boost::asio::ssl::context> tls, const Directory& dir,
                         std::chrono::milliseconds timeout)
    : dir_(dir), conn_(std::move(tls), dir.origin, timeout) {}

Result<Directory> AcmeSession::FetchDirectory(std::shared_ptr<boost::asio::ssl::context> tls, const std::string& url,
                                              std::chrono::milliseconds timeout,
                                              const std::optional<Endpoint>& connect) {
  CA_TRY(auto parsed, ParseHttpsUrl(url));
  parsed.first.connect = connect;
  HttpsConnection conn(std::move(tls), parsed.first, timeout);
  CA_TRY(HttpResponse r, conn.Exchange("GET", parsed.second, "", ""));
  if (r.status != 200) return Fail(Problem("GET " + url, r));
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  Directory d;
  d.origin = parsed.first;
  for (auto [name, out] : {std::pair{"newNonce", &d.new_nonce}, {"newAccount", &d.new_account},
                           {"newOrder", &d.new_order}}) {
    if (!j.is_object() || !j.contains(name) || !j[name].is_string()) {
      return Fail(Errc::kIncorrectResponse, fmt::format("protocol: directory {} has no {}", url, name));
    }
    *out = j[name].get<std::string>();
  }
  return d;
}

Result<std::string> AcmeSession::Target(const std::string& url) const {
  const std::string& o = dir_.origin.origin;
  if (url.size() <= o.size() || url.compare(0, o.size(), o) != 0 || url[o.size()] != '/') {
    return Fail(Errc::kIncorrectResponse, fmt::format("protocol: URL {} is not under {}", url, o));
  }
  return url.substr(o.size());
}

Result<std::string> AcmeSession::TakeNonce() {
  if (nonce_.empty()) {
    CA_TRY(const std::string target, Target(dir_.new_nonce));
    CA_TRY(HttpResponse r, conn_.Exchange("HEAD", target, "", ""));
    ++counters_.nonce_heads;
    if (r.replay_nonce.empty()) {
      return Fail(Errc::kIncorrectResponse, fmt::format("protocol: HEAD newNonce -> {} without Replay-Nonce", r.status));
    }
    nonce_ = std::move(r.replay_nonce);
  }
  return std::exchange(nonce_, std::string());
}

Result<AcmeAnswer> AcmeSession::SignedPost(EVP_PKEY* key, const nlohmann::json& key_header, const std::string& url,
                                           const std::string& payload) {
  CA_TRY(const std::string target, Target(url));
  for (int attempt = 0;; ++attempt) {
    CA_TRY(std::string nonce, TakeNonce());
    nlohmann::json header = key_header;
    header["nonce"] = std::move(nonce);
    header["url"] = url;
    std::string jws;
    try {
      jws = testing::SignJws(key, "ES256", header, payload);
    } catch (const std::exception& e) {
      return Fail(Errc::kInternal, fmt::format("jws: {}", e.what()));
    }
    ++counters_.posts;
    CA_TRY(HttpResponse r, conn_.Exchange("POST", target, "application/jose+json", jws));
    if (!r.replay_nonce.empty()) nonce_ = r.replay_nonce;
    if (r.status >= 200 && r.status < 300) {
      AcmeAnswer a;
      if (r.content_type.rfind("application/json", 0) == 0) {
        a.json = nlohmann::json::parse(r.body, nullptr, false);
        if (a.json.is_discarded()) {
          return Fail(Errc::kIncorrectResponse, fmt::format("protocol: POST {}: answer is not JSON", url));
        }
      }
      a.http = std::move(r);
      return a;
    }
    Error e = Problem("POST " + url, r);
    if (ErrorKind(e) != "acme:badNonce") return Fail(std::move(e));
    ++counters_.bad_nonce;
    if (attempt == kMaxBadNonceRetries) return Fail(std::move(e));
  }
}

Result<void> AcmeSession::Prime() {
  CA_TRY(nonce_, TakeNonce());
  return Ok();
}

Result<Account> AcmeSession::NewAccount() {
  Account a;
  try {
    a.key = testing::GenerateTestKey("P-256");
  } catch (const std::exception& e) {
    return Fail(Errc::kInternal, fmt::format("key: {}", e.what()));
  }
  CA_TRY(a.jwk, EcJwk(a.key.get()));
  a.thumbprint = Base64UrlEncode(ossl::Sha256(AsBytes(a.jwk.dump())));  // dump() sorts members: RFC 7638 order
  const nlohmann::json payload = {{"termsOfServiceAgreed", true}};
  CA_TRY(AcmeAnswer r, SignedPost(a.key.get(), nlohmann::json{{"alg", "ES256"}, {"jwk", a.jwk}}, dir_.new_account,
                                  payload.dump()));
  if (r.http.location.empty()) {
    return Fail(Errc::kIncorrectResponse, fmt::format("protocol: newAccount -> {} without Location", r.http.status));
  }
  a.url = r.http.location;
  return a;
}

Result<AcmeAnswer> AcmeSession::Post(const Account& acct, const std::string& url,
                                     const std::optional<nlohmann::json>& payload) {
  return SignedPost(acct.key.get(), nlohmann::json{{"alg", "ES256"}, {"kid", acct.url}}, url,
                    payload ? payload->dump() : std::string());
}

}  // namespace ca::acme_load
