// Accounts (RFC 8555 §7.3): creation with optional external account binding, update,
// deactivation and key rollover.
#include "acme/service.h"
#include "common/base64.h"
#include "common/log.h"

namespace ca::acme {
namespace {

// CheckContact accepts mailto: URLs with one address and no header fields (RFC 8555 §7.3).
Result<void> CheckContact(const std::vector<std::string>& contact) {
  if (contact.size() > 10) return Fail(Errc::kInvalidContact, "too many contact URLs (at most 10)");
  for (const auto& c : contact) {
    if (c.rfind("mailto:", 0) != 0) {
      return Fail(Errc::kUnsupportedContact, "contact \"" + c.substr(0, 64) + "\" is not a mailto: URL");
    }
    std::string addr = c.substr(7);
    auto at = addr.find('@');
    if (addr.empty() || addr.size() > 254 || at == std::string::npos || at == 0 || at + 1 == addr.size() ||
        addr.find_first_of("?,;<> \t\r\n") != std::string::npos || addr.find('@', at + 1) != std::string::npos) {
      return Fail(Errc::kInvalidContact, "contact \"" + c.substr(0, 64) + "\" is not a valid email address");
    }
  }
  return Ok();
}

}  // namespace

Service::Service(ServiceDeps deps, WorkerPool* validation_pool) : d_(deps), pool_(validation_pool) {}

const std::string& Service::intermediate_pem() const { return d_.issuer->intermediate_pem(); }
const std::string& Service::root_pem() const { return d_.issuer->root_pem(); }
const Bytes& Service::intermediate_der() const { return d_.issuer->intermediate_der(); }
const Bytes& Service::root_der() const { return d_.issuer->root_der(); }

Result<std::pair<core::Account, bool>> Service::NewAccount(NewAccountRequest req) {
  const auto& prov = *req.provisioner;
  CA_TRY(auto existing, d_.store->FindAccountByThumbprint(prov.name, req.jwk.thumbprint));
  if (existing) {
    // RFC 8555 §7.3.1: an existing key returns the existing account (200), whatever else was sent.
    return std::make_pair(*existing, false);
  }
  if (req.only_return_existing) {
    return Fail(Errc::kAccountDoesNotExist, "no account exists with this key");
  }
  if (!d_.config->acme.terms_of_service.empty() && !req.tos_agreed) {
    return Fail(Errc::kMalformed, "termsOfServiceAgreed must be true: see " + d_.config->acme.terms_of_service);
  }
  CA_RETURN_IF_ERROR(CheckContact(req.contact));
  if (prov.require_eab && !req.eab_kid) {
    return Fail(Errc::kExternalAccountRequired,
                "provisioner \"" + prov.name + "\" requires an external account binding");
  }
  core::Account a;
  a.id = RandomId(*d_.rng, 12);
  a.provisioner = prov.name;
  a.status = core::AccountStatus::kValid;
  a.jwk_json = req.jwk.canonical_json;
  a.thumbprint = req.jwk.thumbprint;
  a.contact = req.contact;
  a.tos_agreed = req.tos_agreed;
  a.created_at = d_.clock->Now();
  if (req.eab_kid) {
    auto key = d_.store->GetEabKey(*req.eab_kid);
    if (!key) {
      if (key.error().code == Errc::kNotFound) {
        return Fail(Errc::kUnauthorized, "external account binding key ID is unknown");
      }
      return Fail(key.error());
    }
    if (key->provisioner != prov.name) {
      return Fail(Errc::kUnauthorized, "external account binding key belongs to another provisioner");
    }
    if (key->bound_account_id) {
      return Fail(Errc::kUnauthorized, "external account binding key is already used by another account");
    }
    auto hmac = Base64UrlDecode(key->hmac_key_b64url);
    if (!hmac) return Fail(Errc::kInternal, "stored EAB key is not base64url");
    SecretBytes secret(std::move(*hmac));
    CA_RETURN_IF_ERROR(req.verify_eab(secret.view()));
    a.eab_kid = req.eab_kid;
    // Bind first: a key can be used once, even by two racing requests.
    CA_RETURN_IF_ERROR(d_.store->BindEabKey(*req.eab_kid, a.id));
  }
  auto created = d_.store->CreateAccount(a);
  if (!created) {
    if (created.error().code == Errc::kConflict) {
      // Another request registered the same key in between: return that account.
      CA_TRY(auto again, d_.store->FindAccountByThumbprint(prov.name, req.jwk.thumbprint));
      if (again) return std::make_pair(*again, false);
    }
    return Fail(created.error());
  }
  log::Audit("account created id={} provisioner={} thumbprint={} eab_kid={}", a.id, a.provisioner, a.thumbprint,
             a.eab_kid.value_or("-"));
  return std::make_pair(a, true);
}

Result<core::Account> Service::GetAccount(const std::string& id) { return d_.store->GetAccount(id); }

Result<core::Account> Service::UpdateAccount(const core::Account& acct,
                                             std::optional<std::vector<std::string>> contact, bool deactivate) {
  core::Account a = acct;
  if (contact) {
    CA_RETURN_IF_ERROR(CheckContact(*contact));
    a.contact = std::move(*contact);
  }
  if (deactivate) a.status = core::AccountStatus::kDeactivated;
  if (contact || deactivate) CA_RETURN_IF_ERROR(d_.store->UpdateAccount(a));
  if (deactivate) log::Audit("account deactivated id={}", a.id);
  return a;
}

Result<core::Account> Service::KeyChange(const core::Account& acct, const Jwk& new_key) {
  CA_TRY(auto other, d_.store->FindAccountByThumbprint(acct.provisioner, new_key.thumbprint));
  if (other) return Fail(Errc::kConflict, other->id);
  core::Account a = acct;
  a.jwk_json = new_key.canonical_json;
  a.thumbprint = new_key.thumbprint;
  CA_RETURN_IF_ERROR(d_.store->UpdateAccount(a));
  log::Audit("account key changed id={} thumbprint={} -> {}", a.id, acct.thumbprint, a.thumbprint);
  return a;
}

}  // namespace ca::acme
