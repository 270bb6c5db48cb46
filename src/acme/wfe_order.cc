// Orders, authorizations, challenges, finalization, certificates and revocation endpoints
// (RFC 8555 §7.4, §7.5, §7.6).
#include <nlohmann/json.hpp>

#include "acme/problem.h"
#include "acme/wfe.h"
#include "acme/wfe_util.h"
#include "common/base64.h"

namespace ca::acme {
namespace {
using nlohmann::json;

using wfe_util::JsonResponse;
using wfe_util::PayloadObject;

Result<void> RequirePostAsGet(const Jws& jws) {
  if (!jws.payload.empty()) return Fail(Errc::kMalformed, "this resource is read with POST-as-GET (empty payload)");
  return Ok();
}

Result<std::optional<UnixTime>> OptionalTime(const json& p, const char* name) {
  if (!p.contains(name)) return std::optional<UnixTime>();
  UnixTime t = 0;
  if (!p[name].is_string() || !ParseRfc3339(p[name].get<std::string>(), &t)) {
    return Fail(Errc::kMalformed, std::string(name) + " must be an RFC 3339 date-time");
  }
  return std::optional<UnixTime>(t);
}

json ProblemOrNull(const std::optional<std::string>& problem) {
  if (!problem) return nullptr;
  auto parsed = json::parse(*problem, nullptr, false);
  return parsed.is_discarded() ? json(nullptr) : parsed;
}

// RetryAfter for resources still being worked on (RFC 8555 §8.2).
void AddRetryAfter(http::Response& r) { r.Set("Retry-After", "1"); }

}  // namespace

std::string Wfe::OrderJson(const Ctx& ctx, const core::Order& o) const {
  json ids = json::array();
  for (const auto& id : o.identifiers) ids.push_back({{"type", id.type}, {"value", id.value}});
  json authzs = json::array();
  for (const auto& a : o.authz_ids) authzs.push_back(ctx.base + "/authz/" + a);
  json j = {{"status", core::ToString(o.status)},
            {"expires", Rfc3339(o.expires)},
            {"identifiers", ids},
            {"authorizations", authzs},
            {"finalize", ctx.base + "/order/" + o.id + "/finalize"}};
  if (o.not_before) j["notBefore"] = Rfc3339(*o.not_before);
  if (o.not_after) j["notAfter"] = Rfc3339(*o.not_after);
  if (o.error && o.status == core::OrderStatus::kInvalid) j["error"] = ProblemOrNull(o.error);
  if (o.cert_id && o.status == core::OrderStatus::kValid) j["certificate"] = ctx.base + "/cert/" + *o.cert_id;
  return j.dump();
}

std::string Wfe::AuthzJson(const Ctx& ctx, const core::Authz& a) const {
  json chals = json::array();
  for (const auto& c : a.challenges) {
    json cj = {{"type", c.type},
               {"url", ctx.base + "/chall/" + a.id + "/" + c.id},
               {"status", core::ToString(c.status)},
               {"token", c.token}};
    if (c.validated_at) cj["validated"] = Rfc3339(*c.validated_at);
    if (c.error) cj["error"] = ProblemOrNull(c.error);
    chals.push_back(std::move(cj));
  }
  json j = {{"status", core::ToString(a.status)},
            {"expires", Rfc3339(a.expires)},
            {"identifier", {{"type", a.identifier.type}, {"value", a.identifier.value}}},
            {"challenges", chals}};
  if (a.wildcard) j["wildcard"] = true;
  return j.dump();
}

Result<http::Response> Wfe::NewOrder(const Ctx& ctx) {
  CA_TRY(auto auth, Authenticate(ctx, KeyMode::kKid));
  CA_TRY(auto p, PayloadObject(auth.jws));
  if (!p.contains("identifiers") || !p["identifiers"].is_array()) {
    return Fail(Errc::kMalformed, "identifiers must be an array");
  }
  NewOrderRequest req;
  req.provisioner = ctx.prov;
  for (const auto& id : p["identifiers"]) {
    if (!id.is_object() || !id.contains("type") || !id.contains("value") || !id["type"].is_string() ||
        !id["value"].is_string()) {
      return Fail(Errc::kMalformed, "each identifier must be an object with string type and value");
    }
    req.identifiers.push_back({id["type"].get<std::string>(), id["value"].get<std::string>()});
  }
  CA_TRY(req.not_before, OptionalTime(p, "notBefore"));
  CA_TRY(req.not_after, OptionalTime(p, "notAfter"));
  CA_TRY(auto order, service_->NewOrder(*auth.account, req));
  auto resp = JsonResponse(201, OrderJson(ctx, order));
  resp.Set("Location", ctx.base + "/order/" + order.id);
  return resp;
}

Result<http::Response> Wfe::Order(const Ctx& ctx, const std::string& id) {
  CA_TRY(auto auth, Authenticate(ctx, KeyMode::kKid));
  CA_RETURN_IF_ERROR(RequirePostAsGet(auth.jws));
  CA_TRY(auto order, service_->GetOrder(id, &*auth.account));
  auto resp = JsonResponse(200, OrderJson(ctx, order));
  if (order.status == core::OrderStatus::kProcessing) AddRetryAfter(resp);
  return resp;
}

Result<http::Response> Wfe::Finalize(const Ctx& ctx, const std::string& id) {
  CA_TRY(auto auth, Authenticate(ctx, KeyMode::kKid));
  CA_TRY(auto p, PayloadObject(auth.jws));
  if (!p.contains("csr") || !p["csr"].is_string()) return Fail(Errc::kMalformed, "finalize needs a csr string");
  auto der = Base64UrlDecode(p["csr"].get<std::string>());
  if (!der) return Fail(Errc::kMalformed, "csr is not base64url");
  CA_TRY(auto order, service_->Finalize(id, *auth.account, *der));
  auto resp = JsonResponse(200, OrderJson(ctx, order));
  resp.Set("Location", ctx.base + "/order/" + order.id);
  if (order.status == core::OrderStatus::kProcessing) AddRetryAfter(resp);
  return resp;
}

Result<http::Response> Wfe::Authz(const Ctx& ctx, const std::string& id) {
  CA_TRY(auto auth, Authenticate(ctx, KeyMode::kKid));
  core::Authz a;
  if (auth.jws.payload.empty()) {
    CA_TRY(a, service_->GetAuthz(id, &*auth.account));
  } else {
    CA_TRY(auto p, PayloadObject(auth.jws));
    if (!p.contains("status") || p["status"] != "deactivated") {
      return Fail(Errc::kMalformed, "an authorization update may only set status \"deactivated\"");
    }
    CA_TRY(a, service_->DeactivateAuthz(id, *auth.account));
  }
  auto resp = JsonResponse(200, AuthzJson(ctx, a));
  if (a.status == core::AuthzStatus::kPending) AddRetryAfter(resp);
  return resp;
}

Result<http::Response> Wfe::Challenge(const Ctx& ctx, const std::string& authz_id, const std::string& chall_id) {
  CA_TRY(auto auth, Authenticate(ctx, KeyMode::kKid));
  core::Authz a;
  if (auth.jws.payload.empty()) {
    CA_TRY(a, service_->GetAuthz(authz_id, &*auth.account));  // POST-as-GET: read only
  } else {
    CA_TRY(auto p, PayloadObject(auth.jws));  // RFC 8555 §7.5.1: "{}" (unknown fields ignored)
    ChallengeResponse response;
    // draft-ietf-acme-device-attest-09 §5: {"attObj": base64url(CBOR)}; Apple devices send
    // {"error": "..."} when they could not obtain an attestation.
    if (p.contains("attObj")) {
      if (!p["attObj"].is_string()) return Fail(Errc::kMalformed, "attObj must be a base64url string");
      auto obj = Base64UrlDecode(p["attObj"].get<std::string>(), /*allow_padding=*/true);
      if (!obj) return Fail(Errc::kMalformed, "attObj is not base64url");
      response.att_obj = std::move(*obj);
    } else if (p.contains("error") && p["error"].is_string()) {
      response.device_error = p["error"].get<std::string>();
    }
    CA_TRY(a, service_->RespondToChallenge(authz_id, chall_id, *auth.account, response));
  }
  for (const auto& c : a.challenges) {
    if (c.id != chall_id) continue;
    json cj = json::parse(AuthzJson(ctx, a))["challenges"];
    for (auto& e : cj) {
      if (e["url"] == ctx.base + "/chall/" + a.id + "/" + c.id) {
        auto resp = JsonResponse(200, e.dump());
        resp.Set("Link", "<" + ctx.base + "/authz/" + a.id + ">;rel=\"up\"");
        if (c.status == core::ChallengeStatus::kProcessing) AddRetryAfter(resp);
        return resp;
      }
    }
  }
  return Fail(Errc::kNotFound, "challenge not found");
}

Result<http::Response> Wfe::Certificate(const Ctx& ctx, const std::string& id) {
  CA_TRY(auto auth, Authenticate(ctx, KeyMode::kKid));
  CA_RETURN_IF_ERROR(RequirePostAsGet(auth.jws));
  CA_TRY(auto cert, service_->GetCertificate(id, *auth.account));
  http::Response r;
  r.Set("Content-Type", "application/pem-certificate-chain");
  r.Set("Link", "<" + cfg_->server.external_url + "/ca/intermediate.crt>;rel=\"up\"");
  r.body = cert.chain_pem;
  return r;
}

Result<http::Response> Wfe::RevokeCert(const Ctx& ctx) {
  CA_TRY(auto auth, Authenticate(ctx, KeyMode::kJwkOrKid));
  CA_TRY(auto p, PayloadObject(auth.jws));
  if (!p.contains("certificate") || !p["certificate"].is_string()) {
    return Fail(Errc::kMalformed, "revokeCert needs a certificate string");
  }
  auto der = Base64UrlDecode(p["certificate"].get<std::string>());
  if (!der) return Fail(Errc::kMalformed, "certificate is not base64url");
  int reason = 0;
  if (p.contains("reason")) {
    if (!p["reason"].is_number_integer()) return Fail(Errc::kBadRevocationReason, "reason must be an integer");
    auto r = p["reason"].get<int64_t>();
    if (r < 0 || r > 10) return Fail(Errc::kBadRevocationReason, "reason " + std::to_string(r) + " is not a CRLReason");
    reason = static_cast<int>(r);
  }
  if (auth.account) {
    CA_RETURN_IF_ERROR(service_->Revoke(*der, reason, &*auth.account, nullptr));
  } else {
    CA_RETURN_IF_ERROR(service_->Revoke(*der, reason, nullptr, auth.jwk->key.get()));
  }
  return http::Response{200, {}, ""};
}

}  // namespace ca::acme
