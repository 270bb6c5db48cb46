// Directory, accounts and key rollover endpoints (RFC 8555 §7.1.1, §7.3).
#include <nlohmann/json.hpp>

#include "acme/wfe.h"
#include "acme/wfe_util.h"
#include "common/base64.h"

namespace ca::acme {
namespace {
using nlohmann::json;

using wfe_util::JsonResponse;
using wfe_util::PayloadObject;

Result<std::vector<std::string>> ContactList(const json& j) {
  if (!j.is_array()) return Fail(Errc::kMalformed, "contact must be an array of strings");
  std::vector<std::string> out;
  for (const auto& c : j) {
    if (!c.is_string()) return Fail(Errc::kMalformed, "contact must be an array of strings");
    out.push_back(c.get<std::string>());
  }
  return out;
}

}  // namespace

std::string Wfe::AccountJson(const Ctx& ctx, const core::Account& a) const {
  json j = {{"status", core::ToString(a.status)},
            {"contact", a.contact},
            {"orders", ctx.base + "/acct/" + a.id + "/orders"}};
  if (a.tos_agreed) j["termsOfServiceAgreed"] = true;
  if (a.eab_kid) j["externalAccountBinding"] = {{"kid", *a.eab_kid}};
  return j.dump();
}

Result<http::Response> Wfe::Directory(const Ctx& ctx) {
  const auto& acme = cfg_->acme;
  json meta = {{"externalAccountRequired", ctx.prov->require_eab}};
  if (!acme.terms_of_service.empty()) meta["termsOfService"] = acme.terms_of_service;
  if (!acme.website.empty()) meta["website"] = acme.website;
  if (!acme.caa_identities.empty()) meta["caaIdentities"] = acme.caa_identities;
  json d = {{"newNonce", ctx.base + "/new-nonce"},   {"newAccount", ctx.base + "/new-account"},
            {"newOrder", ctx.base + "/new-order"},   {"revokeCert", ctx.base + "/revoke-cert"},
            {"keyChange", ctx.base + "/key-change"}, {"meta", meta}};
  return JsonResponse(200, d.dump());
}

Result<http::Response> Wfe::NewAccount(const Ctx& ctx) {
  CA_TRY(auto auth, Authenticate(ctx, KeyMode::kJwk));
  CA_TRY(auto p, PayloadObject(auth.jws));
  NewAccountRequest req;
  req.provisioner = ctx.prov;
  if (p.contains("contact")) {
    CA_TRY(req.contact, ContactList(p["contact"]));
  }
  if (p.contains("termsOfServiceAgreed")) {
    if (!p["termsOfServiceAgreed"].is_boolean()) return Fail(Errc::kMalformed, "termsOfServiceAgreed must be a boolean");
    req.tos_agreed = p["termsOfServiceAgreed"].get<bool>();
  }
  if (p.contains("onlyReturnExisting")) {
    if (!p["onlyReturnExisting"].is_boolean()) return Fail(Errc::kMalformed, "onlyReturnExisting must be a boolean");
    req.only_return_existing = p["onlyReturnExisting"].get<bool>();
  }
  if (p.contains("externalAccountBinding")) {
    // RFC 8555 §7.3.4: a JWS by the EAB key over the account JWK, with the newAccount URL.
    CA_TRY(auto eab, ParseJwsAllowHmac(p["externalAccountBinding"]));
    if (eab.alg != "HS256") return Fail(Errc::kMalformed, "externalAccountBinding must use HS256");
    if (!eab.kid) return Fail(Errc::kMalformed, "externalAccountBinding has no kid");
    if (eab.nonce) return Fail(Errc::kMalformed, "externalAccountBinding must not carry a nonce");
    if (eab.url != auth.jws.url) return Fail(Errc::kUnauthorized, "externalAccountBinding url does not match");
    req.eab_kid = eab.kid;
    std::string account_thumbprint = auth.jwk->thumbprint;
    req.verify_eab = [eab, account_thumbprint](ByteView key) -> Result<void> {
      CA_RETURN_IF_ERROR(VerifyHs256(eab, key));
      auto inner = ParseJsonBounded(eab.payload);
      if (!inner) return Fail(Errc::kMalformed, "externalAccountBinding payload is not a JWK");
      CA_TRY(auto jwk, ParseJwk(*inner));
      if (jwk.thumbprint != account_thumbprint) {
        return Fail(Errc::kUnauthorized, "externalAccountBinding payload is not the account key");
      }
      return Ok();
    };
  }
  req.jwk = std::move(*auth.jwk);
  CA_TRY(auto res, service_->NewAccount(std::move(req)));
  auto resp = JsonResponse(res.second ? 201 : 200, AccountJson(ctx, res.first));
  resp.Set("Location", ctx.base + "/acct/" + res.first.id);
  return resp;
}

Result<http::Response> Wfe::Account(const Ctx& ctx, const std::string& id) {
  CA_TRY(auto auth, Authenticate(ctx, KeyMode::kKid));
  if (auth.account->id != id) return Fail(Errc::kUnauthorized, "the kid does not match the account URL");
  core::Account acct = *auth.account;
  if (!auth.jws.payload.empty()) {
    CA_TRY(auto p, PayloadObject(auth.jws));
    std::optional<std::vector<std::string>> contact;
    bool deactivate = false;
    if (p.contains("contact")) {
      CA_TRY(auto c, ContactList(p["contact"]));
      contact = std::move(c);
    }
    if (p.contains("status")) {
      if (p["status"] != "deactivated") return Fail(Errc::kMalformed, "status may only be set to \"deactivated\"");
      deactivate = true;
    }
    CA_TRY(acct, service_->UpdateAccount(acct, std::move(contact), deactivate));
  }
  auto resp = JsonResponse(200, AccountJson(ctx, acct));
  resp.Set("Location", ctx.base + "/acct/" + acct.id);
  return resp;
}

Result<http::Response> Wfe::AccountOrders(const Ctx& ctx, const std::string& id) {
  CA_TRY(auto auth, Authenticate(ctx, KeyMode::kKid));
  if (auth.account->id != id) return Fail(Errc::kUnauthorized, "orders of another account");
  if (!auth.jws.payload.empty()) return Fail(Errc::kMalformed, "orders list is read with POST-as-GET (empty payload)");
  CA_TRY(auto ids, service_->ListOrders(*auth.account));
  json urls = json::array();
  for (const auto& o : ids) urls.push_back(ctx.base + "/order/" + o);
  return JsonResponse(200, json{{"orders", urls}}.dump());
}

Result<http::Response> Wfe::KeyChange(const Ctx& ctx) {
  CA_TRY(auto auth, Authenticate(ctx, KeyMode::kKid));
  // RFC 8555 §7.3.5: the payload is a JWS signed by the new key.
  CA_TRY(auto inner, ParseJws(auth.jws.payload));
  if (!inner.jwk) return Fail(Errc::kMalformed, "inner JWS must carry the new key as jwk");
  if (inner.nonce) return Fail(Errc::kMalformed, "inner JWS must not carry a nonce");
  if (inner.url != auth.jws.url) return Fail(Errc::kMalformed, "inner JWS url must equal the outer url");
  CA_TRY(auto new_key, ParseJwk(*inner.jwk));
  CA_RETURN_IF_ERROR(VerifyJws(inner, new_key.key.get()));
  CA_TRY(auto p, PayloadObject(inner));
  std::string acct_url = ctx.base + "/acct/" + auth.account->id;
  if (!p.contains("account") || p["account"] != acct_url) {
    return Fail(Errc::kMalformed, "inner payload account must be the account URL of the outer kid");
  }
  if (!p.contains("oldKey")) return Fail(Errc::kMalformed, "inner payload has no oldKey");
  CA_TRY(auto old_key, ParseJwk(p["oldKey"]));
  if (old_key.thumbprint != auth.account->thumbprint) {
    return Fail(Errc::kUnauthorized, "oldKey is not the account's current key");
  }
  auto changed = service_->KeyChange(*auth.account, new_key);
  if (!changed) {
    if (changed.error().code == Errc::kConflict) {
      auto resp = JsonResponse(409, json{{"type", "urn:ietf:params:acme:error:malformed"},
                                         {"detail", "the new key is already used by another account"},
                                         {"status", 409}}
                                        .dump());
      resp.headers = {{"Content-Type", "application/problem+json"}};
      resp.Set("Location", ctx.base + "/acct/" + changed.error().detail);
      return resp;
    }
    return Fail(changed.error());
  }
  auto resp = JsonResponse(200, AccountJson(ctx, *changed));
  resp.Set("Location", acct_url);
  return resp;
}

}  // namespace ca::acme
