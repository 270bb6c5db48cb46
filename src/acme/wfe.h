#pragma once
// Wfe: the ACME web front end (≈ Boulder's WFE). It routes HTTP requests, authenticates JWS
// (content type, nonce, url, kid/jwk, signature), turns JSON into Service calls and Service results
// into RFC 8555 resources, and every Error into a problem document. Handle() never throws.
#include <optional>
#include <string>

#include "acme/jwk.h"
#include "acme/jws.h"
#include "acme/nonce.h"
#include "acme/service.h"
#include "config/config.h"
#include "http/message.h"

namespace ca::acme {

class Wfe final {
 public:
  Wfe(Service* service, NonceSource* nonces, const config::Config* cfg);
  http::Response Handle(const http::Request& req);

 private:
  // Which key a request must be signed with (RFC 8555 §6.2).
  enum class KeyMode { kJwk, kKid, kJwkOrKid };
  struct Auth {
    Jws jws;
    std::optional<core::Account> account;  // kid requests
    std::optional<Jwk> jwk;                // jwk requests
  };
  struct Ctx {
    const http::Request* req = nullptr;
    const config::ProvisionerConfig* prov = nullptr;
    std::string base;  // external_url + "/acme/" + provisioner
  };

  Result<http::Response> Route(const http::Request& req);
  Result<Auth> Authenticate(const Ctx& ctx, KeyMode mode);

  Result<http::Response> Directory(const Ctx& ctx);
  Result<http::Response> NewAccount(const Ctx& ctx);
  Result<http::Response> Account(const Ctx& ctx, const std::string& id);
  Result<http::Response> AccountOrders(const Ctx& ctx, const std::string& id);
  Result<http::Response> KeyChange(const Ctx& ctx);
  Result<http::Response> NewOrder(const Ctx& ctx);
  Result<http::Response> Order(const Ctx& ctx, const std::string& id);
  Result<http::Response> Finalize(const Ctx& ctx, const std::string& id);
  Result<http::Response> Authz(const Ctx& ctx, const std::string& id);
  Result<http::Response> Challenge(const Ctx& ctx, const std::string& authz_id, const std::string& chall_id);
  Result<http::Response> Certificate(const Ctx& ctx, const std::string& id);
  Result<http::Response> RevokeCert(const Ctx& ctx);

  // Resource renderers (URLs are absolute, built from ctx.base).
  std::string OrderJson(const Ctx& ctx, const core::Order& o) const;
  std::string AuthzJson(const Ctx& ctx, const core::Authz& a) const;
  std::string AccountJson(const Ctx& ctx, const core::Account& a) const;

  Service* service_;
  NonceSource* nonces_;
  const config::Config* cfg_;
};

}  // namespace ca::acme
