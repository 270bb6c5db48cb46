// Orders, authorizations and challenges (RFC 8555 §7.4, §7.5, §8).
#include <algorithm>
#include <chrono>
#include <future>
#include <set>
#include <thread>

#include "acme/problem.h"
#include "acme/service.h"
#include "common/base64.h"
#include "common/log.h"
#include "policy/identifier_policy.h"

namespace ca::acme {
namespace {

constexpr size_t kMaxIdentifiers = 100;
// How long a challenge POST waits for a quick validation result before answering "processing".
constexpr auto kQuickValidationWait = std::chrono::milliseconds(1500);

bool OwnedBy(const std::string& account_id, const core::Account* owner) {
  return owner == nullptr || owner->id == account_id;
}

}  // namespace

std::vector<std::string> Service::ChallengeTypesFor(const config::ProvisionerConfig& p, const core::Identifier& id,
                                                    bool wildcard) const {
  std::vector<std::string> out;
  bool device = core::IsDeviceIdentifierType(id.type);
  for (const auto& t : p.challenges) {
    // draft-ietf-acme-device-attest-09 §4: device identifiers are validated by device-attest-01
    // only, and device-attest-01 validates nothing else.
    if (device != (t == "device-attest-01")) continue;
    if (wildcard && t != "dns-01") continue;               // RFC 8555 §7.1.3: wildcards need dns-01
    if (id.type == core::kIp && t == "dns-01") continue;  // RFC 8738 §7: no dns-01 for IPs
    out.push_back(t);
  }
  return out;
}

Result<core::Order> Service::NewOrder(const core::Account& acct, const NewOrderRequest& req) {
  const auto& prov = *req.provisioner;
  if (req.identifiers.empty()) return Fail(Errc::kMalformed, "order has no identifiers");
  if (req.identifiers.size() > kMaxIdentifiers) {
    return Fail(Errc::kMalformed, "order has more than " + std::to_string(kMaxIdentifiers) + " identifiers");
  }
  size_t devices = 0;
  for (const auto& id : req.identifiers) devices += core::IsDeviceIdentifierType(id.type) ? 1 : 0;
  if (devices != 0 && devices != req.identifiers.size()) {
    return Fail(Errc::kMalformed, "device identifiers cannot be combined with DNS names or IP addresses in one order");
  }
  // Check every identifier, reporting each refusal as a subproblem (RFC 8555 §6.7.1).
  std::set<core::Identifier> ids;
  Error refused{Errc::kRejectedIdentifier, "", {}};
  for (const auto& raw : req.identifiers) {
    auto norm = policy::NormalizeIdentifier(raw);
    Result<void> ok = norm ? policy::CheckNamePolicy(*norm, prov.allowed_identifier_types, prov.names)
                           : Result<void>(tl::unexpected(norm.error()));
    if (ok && norm) {
      bool wildcard = norm->type == core::kDns && norm->value.rfind("*.", 0) == 0;
      core::Identifier base = *norm;
      if (wildcard) base.value = base.value.substr(2);
      if (ChallengeTypesFor(prov, base, wildcard).empty()) {
        ok = Fail(Errc::kRejectedIdentifier, "no challenge type of this provisioner can validate \"" +
                                                 norm->value + "\"");
      }
    }
    if (!ok) {
      refused.sub.push_back({ok.error().code, ok.error().detail, raw.type, raw.value});
      continue;
    }
    ids.insert(*norm);
  }
  if (!refused.sub.empty()) {
    if (refused.sub.size() == 1) {
      refused.code = refused.sub[0].code;
      refused.detail = refused.sub[0].detail;
    } else {
      // RFC 8555 §6.7.1: the top-level type is the one shared by all subproblems, else malformed.
      bool same = std::all_of(refused.sub.begin(), refused.sub.end(),
                              [&](const SubError& s) { return s.code == refused.sub[0].code; });
      refused.code = same ? refused.sub[0].code : Errc::kMalformed;
      refused.detail = "several identifiers were refused (see subproblems)";
    }
    return Fail(std::move(refused));
  }

  UnixTime now = d_.clock->Now();
  uint32_t max_life = prov.max_cert_lifetime_s != 0 ? prov.max_cert_lifetime_s : prov.cert_lifetime_s;
  if (req.not_before && *req.not_before > now + 7 * 24 * 3600) {
    return Fail(Errc::kMalformed, "notBefore is more than 7 days in the future");
  }
  if (req.not_after) {
    UnixTime start = req.not_before.value_or(now);
    if (*req.not_after <= start) return Fail(Errc::kMalformed, "notAfter must be later than notBefore");
    if (*req.not_after <= now) return Fail(Errc::kMalformed, "notAfter is in the past");
    if (*req.not_after - start > static_cast<UnixTime>(max_life)) {
      return Fail(Errc::kMalformed, "requested validity exceeds this provisioner's maximum of " +
                                        std::to_string(max_life) + " seconds");
    }
  }

  core::Order o;
  o.id = RandomId(*d_.rng, 12);
  o.account_id = acct.id;
  o.provisioner = prov.name;
  o.status = core::OrderStatus::kPending;
  o.identifiers.assign(ids.begin(), ids.end());
  o.expires = now + d_.config->acme.order_lifetime_s;
  o.not_before = req.not_before;
  o.not_after = req.not_after;
  o.created_at = now;
  std::vector<core::Authz> authzs;
  for (const auto& id : o.identifiers) {
    core::Authz a;
    a.id = RandomId(*d_.rng, 12);
    a.order_id = o.id;
    a.account_id = acct.id;
    a.wildcard = id.type == core::kDns && id.value.rfind("*.", 0) == 0;
    a.identifier = id;
    if (a.wildcard) a.identifier.value = id.value.substr(2);
    a.status = core::AuthzStatus::kPending;
    a.expires = std::min<UnixTime>(o.expires, now + d_.config->acme.authz_lifetime_s);
    std::string token = RandomId(*d_.rng, 32);  // 256 bits, base64url (RFC 8555 §8.1: >= 128)
    for (const auto& t : ChallengeTypesFor(prov, a.identifier, a.wildcard)) {
      core::Challenge c;
      c.id = RandomId(*d_.rng, 9);
      c.type = t;
      c.token = token;
      a.challenges.push_back(std::move(c));
    }
    o.authz_ids.push_back(a.id);
    authzs.push_back(std::move(a));
  }
  CA_RETURN_IF_ERROR(d_.store->CreateOrder(o, authzs));
  return o;
}

core::AuthzStatus Service::EffectiveStatus(const core::Authz& a) const {
  if ((a.status == core::AuthzStatus::kPending || a.status == core::AuthzStatus::kValid) &&
      a.expires <= d_.clock->Now()) {
    return core::AuthzStatus::kExpired;
  }
  return a.status;
}

core::OrderStatus Service::EffectiveStatus(const core::Order& o, const std::vector<core::Authz>& authzs) const {
  if (o.status == core::OrderStatus::kProcessing || o.status == core::OrderStatus::kValid ||
      o.status == core::OrderStatus::kInvalid) {
    return o.status;
  }
  if (o.expires <= d_.clock->Now()) return core::OrderStatus::kInvalid;
  bool all_valid = true;
  for (const auto& a : authzs) {
    auto st = EffectiveStatus(a);
    if (st != core::AuthzStatus::kValid && st != core::AuthzStatus::kPending) return core::OrderStatus::kInvalid;
    if (st != core::AuthzStatus::kValid) all_valid = false;
  }
  return all_valid ? core::OrderStatus::kReady : core::OrderStatus::kPending;
}

Result<core::Order> Service::GetOrder(const std::string& id, const core::Account* owner) {
  auto o = d_.store->GetOrder(id);
  if (!o || !OwnedBy(o->account_id, owner)) return Fail(Errc::kNotFound, "order not found");
  CA_TRY(auto authzs, d_.store->GetAuthzs(o->authz_ids));
  o->status = EffectiveStatus(*o, authzs);
  return *o;
}

Result<std::vector<std::string>> Service::ListOrders(const core::Account& acct) {
  return d_.store->ListOrderIds(acct.id);
}

Result<core::Authz> Service::GetAuthz(const std::string& id, const core::Account* owner) {
  auto a = d_.store->GetAuthz(id);
  if (!a || !OwnedBy(a->account_id, owner)) return Fail(Errc::kNotFound, "authorization not found");
  a->status = EffectiveStatus(*a);
  return *a;
}

Result<core::Authz> Service::DeactivateAuthz(const std::string& id, const core::Account& acct) {
  CA_TRY(auto a, GetAuthz(id, &acct));
  if (a.status != core::AuthzStatus::kPending && a.status != core::AuthzStatus::kValid) {
    return Fail(Errc::kMalformed, std::string("cannot deactivate an authorization that is ") + core::ToString(a.status));
  }
  a.status = core::AuthzStatus::kDeactivated;
  CA_RETURN_IF_ERROR(d_.store->UpdateAuthz(a));
  (void)d_.store->TransitionOrder(a.order_id, core::OrderStatus::kPending, core::OrderStatus::kInvalid);
  return a;
}

Result<core::Authz> Service::RespondToChallenge(const std::string& authz_id, const std::string& challenge_id,
                                                const core::Account& acct, const ChallengeResponse& response) {
  CA_TRY(auto a, GetAuthz(authz_id, &acct));
  auto it = std::find_if(a.challenges.begin(), a.challenges.end(),
                         [&](const core::Challenge& c) { return c.id == challenge_id; });
  if (it == a.challenges.end()) return Fail(Errc::kNotFound, "challenge not found");
  // RFC 8555 §7.5.1: a POST to a challenge that is not pending changes nothing.
  if (it->status != core::ChallengeStatus::kPending || a.status != core::AuthzStatus::kPending) return a;
  if (it->type == "device-attest-01") {
    return RespondDeviceAttest(a, static_cast<size_t>(it - a.challenges.begin()), acct, response);
  }
  it->status = core::ChallengeStatus::kProcessing;
  CA_RETURN_IF_ERROR(d_.store->UpdateAuthz(a));

  auto done = std::make_shared<std::promise<void>>();
  auto finished = done->get_future();
  bool queued = pool_->Submit([this, authz_id, challenge_id, tp = acct.thumbprint, done] {
    RunValidation(authz_id, challenge_id, tp);
    done->set_value();
  });
  if (!queued) {
    it->status = core::ChallengeStatus::kPending;
    (void)d_.store->UpdateAuthz(a);
    return Fail(Errc::kRateLimited, "too many validations in progress; retry shortly");
  }
  finished.wait_for(kQuickValidationWait);
  return GetAuthz(authz_id, &acct);
}

void Service::RunValidation(std::string authz_id, std::string challenge_id, std::string thumbprint) {
  auto a = d_.store->GetAuthz(authz_id);
  if (!a) return;
  auto it = std::find_if(a->challenges.begin(), a->challenges.end(),
                         [&](const core::Challenge& c) { return c.id == challenge_id; });
  if (it == a->challenges.end()) return;
  validation::ChallengeInput in;
  in.identifier = a->identifier;
  in.wildcard = a->wildcard;
  in.type = it->type;
  in.token = it->token;
  in.key_authorization = it->token + "." + thumbprint;
  Result<void> outcome = d_.validator->Validate(in);
  if (!outcome) {
    log::Info("validation failed authz={} type={} identifier={} error={}", authz_id, in.type, in.identifier.value,
              outcome.error().detail);
  }
  auto applied = ApplyValidationResult(authz_id, challenge_id, outcome);
  if (!applied) log::Error("could not record validation result for authz {}: {}", authz_id, applied.error().detail);
}

Result<void> Service::ApplyValidationResult(const std::string& authz_id, const std::string& challenge_id,
                                            const Result<void>& outcome) {
  CA_TRY(auto a, d_.store->GetAuthz(authz_id));
  if (a.status != core::AuthzStatus::kPending) return Ok();  // deactivated meanwhile
  for (auto& c : a.challenges) {
    if (c.id != challenge_id) continue;
    if (outcome) {
      c.status = core::ChallengeStatus::kValid;
      c.validated_at = d_.clock->Now();
      a.status = core::AuthzStatus::kValid;
    } else {
      c.status = core::ChallengeStatus::kInvalid;
      Error e = outcome.error();
      if (e.code == Errc::kInternal) {
        log::Error("validation internal error: {}", e.detail);
        e.detail = "internal error during validation";
      }
      e.sub.clear();
      c.error = ProblemJson(e);
      a.status = core::AuthzStatus::kInvalid;
    }
  }
  return StoreAuthzResult(a);
}

Result<void> Service::StoreAuthzResult(const core::Authz& a) {
  if (a.status == core::AuthzStatus::kInvalid) {
    return d_.store->UpdateAuthzAndOrder(a, core::OrderStatus::kPending, core::OrderStatus::kInvalid).map([](bool) {});
  }
  CA_TRY(auto o, d_.store->GetOrder(a.order_id));
  CA_TRY(auto authzs, d_.store->GetAuthzs(o.authz_ids));
  for (auto& other : authzs) {
    if (other.id == a.id) other = a;  // as it is about to be stored
  }
  if (EffectiveStatus(o, authzs) == core::OrderStatus::kReady) {
    return d_.store->UpdateAuthzAndOrder(a, core::OrderStatus::kPending, core::OrderStatus::kReady).map([](bool) {});
  }
  return d_.store->UpdateAuthz(a);
}

}  // namespace ca::acme
