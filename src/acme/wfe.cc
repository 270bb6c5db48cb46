// Wfe routing, common response headers and JWS authentication (RFC 8555 §6).
#include "acme/wfe.h"

#include <chrono>
#include <vector>

#include "acme/problem.h"
#include "common/log.h"

namespace ca::acme {
namespace {

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 1;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

bool IsPost(const http::Request& r) { return r.method == "POST"; }

}  // namespace

Wfe::Wfe(Service* service, NonceSource* nonces, const config::Config* cfg)
    : service_(service), nonces_(nonces), cfg_(cfg) {}

http::Response Wfe::Handle(const http::Request& req) {
  auto start = std::chrono::steady_clock::now();
  http::Response resp;
  std::string problem = "-";
  try {
    auto r = Route(req);
    if (r) {
      resp = std::move(*r);
    } else {
      problem = TypeOf(r.error().code).urn_suffix;
      resp = ProblemResponse(r.error());
      if (r.error().code == Errc::kMethodNotAllowed) {
        // RFC 9110 §15.5.6: list what the resource does support.
        bool readable = req.path.rfind("/ca/", 0) == 0 || req.path.ends_with("/directory") ||
                        req.path.ends_with("/new-nonce");
        resp.Set("Allow", readable ? "GET, HEAD" : "POST");
      }
    }
  } catch (const std::exception& e) {
    resp = ProblemResponse(Error{Errc::kInternal, std::string("exception: ") + e.what(), {}});
    problem = "serverInternal";
  }
  // RFC 8555 §6.5: every response carries a fresh nonce; nothing here may be cached.
  if (req.path.rfind("/acme/", 0) == 0) {
    if (auto nonce = nonces_->Issue()) {
      resp.Set("Replay-Nonce", *nonce);
    } else {
      // The answer still goes out: the client's next request fails with badNonce and it retries.
      log::Error("nonces: issuing a nonce failed: {}", nonce.error().detail);
    }
    resp.Set("Cache-Control", "no-store");
    auto parts = SplitPath(req.path);
    if (parts.size() >= 2 && cfg_->provisioners.count(parts[1]) != 0) {
      resp.Set("Link", "<" + cfg_->server.external_url + "/acme/" + parts[1] + "/directory>;rel=\"index\"");
    }
  }
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
  log::Access("{} {} {} status={} problem={} us={}", req.remote_address, req.method, req.path, resp.status, problem,
              us);
  return resp;
}

Result<http::Response> Wfe::Route(const http::Request& req) {
  auto parts = SplitPath(req.path);
  if (req.path == "/health") {
    http::Response r;
    r.Set("Content-Type", "text/plain");
    r.body = "ok\n";
    return r;
  }
  // The CA certificates: *.crt in DER as application/pkix-cert (what the AIA caIssuers URL must
  // serve, RFC 5280 §4.2.2.1), *.pem for people and scripts.
  if (parts.size() == 2 && parts[0] == "ca") {
    const std::string& f = parts[1];
    if (f == "root.crt" || f == "intermediate.crt" || f == "root.pem" || f == "intermediate.pem") {
      if (req.method != "GET" && req.method != "HEAD") return Fail(Errc::kMethodNotAllowed, "use GET");
      const bool root = f.starts_with("root.");
      http::Response r;
      if (f.ends_with(".crt")) {
        const Bytes& der = root ? service_->root_der() : service_->intermediate_der();
        r.Set("Content-Type", "application/pkix-cert");
        r.body.assign(der.begin(), der.end());
      } else {
        r.Set("Content-Type", "application/x-pem-file");
        r.body = root ? service_->root_pem() : service_->intermediate_pem();
      }
      return r;
    }
  }
  if (parts.size() < 3 || parts[0] != "acme") return Fail(Errc::kNotFound, "no such resource");
  auto prov = cfg_->provisioners.find(parts[1]);
  if (prov == cfg_->provisioners.end()) return Fail(Errc::kNotFound, "no such provisioner \"" + parts[1].substr(0, 64) + "\"");
  Ctx ctx{&req, &prov->second, cfg_->server.external_url + "/acme/" + parts[1]};
  const std::string& what = parts[2];
  size_t n = parts.size();

  if (n == 3 && what == "directory") {
    if (req.method != "GET" && req.method != "HEAD") return Fail(Errc::kMethodNotAllowed, "use GET");
    return Directory(ctx);
  }
  if (n == 3 && what == "new-nonce") {
    http::Response r;
    if (req.method == "HEAD") {
      r.status = 200;
    } else if (req.method == "GET") {
      r.status = 204;
    } else {
      return Fail(Errc::kMethodNotAllowed, "use HEAD or GET");
    }
    return r;
  }
  if (!IsPost(req)) return Fail(Errc::kMethodNotAllowed, "use POST (POST-as-GET for reads, RFC 8555 §6.3)");
  if (n == 3 && what == "new-account") return NewAccount(ctx);
  if (n == 3 && what == "new-order") return NewOrder(ctx);
  if (n == 3 && what == "revoke-cert") return RevokeCert(ctx);
  if (n == 3 && what == "key-change") return KeyChange(ctx);
  if (n == 4 && what == "acct") return Account(ctx, parts[3]);
  if (n == 5 && what == "acct" && parts[4] == "orders") return AccountOrders(ctx, parts[3]);
  if (n == 4 && what == "order") return Order(ctx, parts[3]);
  if (n == 5 && what == "order" && parts[4] == "finalize") return Finalize(ctx, parts[3]);
  if (n == 4 && what == "authz") return Authz(ctx, parts[3]);
  if (n == 5 && what == "chall") return Challenge(ctx, parts[3], parts[4]);
  if (n == 4 && what == "cert") return Certificate(ctx, parts[3]);
  return Fail(Errc::kNotFound, "no such resource");
}

Result<Wfe::Auth> Wfe::Authenticate(const Ctx& ctx, KeyMode mode) {
  const auto& req = *ctx.req;
  std::string ct = req.Header("content-type");
  auto semi = ct.find(';');
  if (semi != std::string::npos) ct = ct.substr(0, semi);
  while (!ct.empty() && ct.back() == ' ') ct.pop_back();
  if (ct != "application/jose+json") {
    return Fail(Errc::kUnsupportedMediaType, "Content-Type must be application/jose+json");
  }
  CA_TRY(auto jws, ParseJws(req.body));
  // RFC 8555 §6.5: nonce first, so a replayed request learns nothing else.
  if (!jws.nonce) return Fail(Errc::kBadNonce, "JWS has no nonce");
  CA_TRY(bool fresh, nonces_->Redeem(*jws.nonce));
  if (!fresh) return Fail(Errc::kBadNonce, "JWS has an invalid or already used nonce");
  std::string url = cfg_->server.external_url + req.target;
  if (jws.url != url) {
    return Fail(Errc::kUnauthorized, "JWS url \"" + jws.url.substr(0, 200) + "\" does not match the request URL");
  }
  Auth auth;
  if (jws.jwk) {
    if (mode == KeyMode::kKid) return Fail(Errc::kMalformed, "this request must be signed with a kid, not a jwk");
    CA_TRY(auto jwk, ParseJwk(*jws.jwk));
    CA_RETURN_IF_ERROR(VerifyJws(jws, jwk.key.get()));
    auth.jwk = std::move(jwk);
  } else {
    if (mode == KeyMode::kJwk) return Fail(Errc::kMalformed, "this request must be signed with a jwk, not a kid");
    std::string prefix = ctx.base + "/acct/";
    const std::string& kid = *jws.kid;
    if (kid.rfind(prefix, 0) != 0 || kid.size() == prefix.size() || kid.find('/', prefix.size()) != std::string::npos) {
      return Fail(Errc::kAccountDoesNotExist, "kid is not an account URL of this provisioner");
    }
    auto acct = service_->GetAccount(kid.substr(prefix.size()));
    if (!acct) {
      if (acct.error().code == Errc::kNotFound) return Fail(Errc::kAccountDoesNotExist, "account does not exist");
      return Fail(acct.error());
    }
    if (acct->provisioner != ctx.prov->name) return Fail(Errc::kAccountDoesNotExist, "account does not exist");
    CA_TRY(auto key, service_->AccountKey(*acct));
    CA_RETURN_IF_ERROR(VerifyJws(jws, key->get()));
    if (acct->status != core::AccountStatus::kValid) {
      return Fail(Errc::kUnauthorized, std::string("account is ") + core::ToString(acct->status));
    }
    auth.account = std::move(*acct);
  }
  auth.jws = std::move(jws);
  return auth;
}

}  // namespace ca::acme
