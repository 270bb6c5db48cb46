// device-attest-01 in the registration authority (draft-ietf-acme-device-attest-09 §5, §6):
// verify the attestation, bind it to the order identifier and the inventory, then bind the CSR key
// to the attested key at finalize.
#include <openssl/x509.h>

#include <nlohmann/json.hpp>

#include "acme/problem.h"
#include "acme/service.h"
#include "common/base64.h"
#include "common/log.h"
#include "common/rng.h"
#include "ossl/pem.h"
#include "policy/csr_check.h"
#include "policy/device_template.h"
#include "policy/posture.h"

namespace ca::acme {
namespace {

// EvidenceJson is what the challenge and then the certificate record keep of the decision: the
// attestation's facts and, when the inventory was consulted, the inventory device's id.
std::string EvidenceJson(const attestation::AttestedDevice& dev, const std::optional<std::string>& device_id) {
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& id : dev.identifiers) ids.push_back({{"kind", id.kind}, {"value", id.value}});
  nlohmann::json j{{"format", dev.format},
                   {"spki_der", Base64UrlEncode(dev.spki_der)},
                   {"spki_sha256", dev.spki_sha256_hex},
                   {"identifiers", ids},
                   {"facts", dev.facts}};
  if (device_id) j["device_id"] = *device_id;
  return j.dump();
}

// Refusal builds badAttestationStatement with one rejectedIdentifier subproblem for the order's
// identifier (step-ca's shape, which Apple devices and fleet tooling understand).
Error Refusal(const core::Authz& a, const std::string& detail) {
  return Error{Errc::kBadAttestation,
               detail,
               {{Errc::kRejectedIdentifier, detail, a.identifier.type, a.identifier.value}}};
}

}  // namespace

Result<core::Authz> Service::RespondDeviceAttest(core::Authz a, size_t index, const core::Account& acct,
                                                 const ChallengeResponse& response) {
  CA_TRY(auto order, d_.store->GetOrder(a.order_id));
  const auto& prov = d_.config->provisioners.at(order.provisioner);
  core::Challenge& c = a.challenges[index];
  Result<attestation::AttestedDevice> verified = Fail(Errc::kBadAttestation, "no attestation");
  if (response.device_error) {
    verified = Fail(Errc::kBadAttestation, "the device could not produce an attestation: " +
                                               response.device_error->substr(0, 200));
  } else if (!response.att_obj) {
    verified = Fail(Errc::kBadAttestation, "device-attest-01 response has no attObj");
  } else if (d_.device_attest == nullptr) {
    verified = Fail(Errc::kInternal, "device attestation is not configured");
  } else {
    std::string key_auth = c.token + "." + acct.thumbprint;
    verified = d_.device_attest->Verify(prov.name, *response.att_obj, c.token, key_auth, d_.clock->Now());
  }
  std::optional<std::string> device_id;
  Result<void> decided = Fail(Errc::kBadAttestation, "no attestation");
  if (!verified) {
    decided = Fail(verified.error());
  } else if (auto checked = CheckAttestedDevice(a, prov, *verified); !checked) {
    decided = Fail(checked.error());
  } else {
    device_id = *checked;
    decided = Ok();
  }
  if (decided) {
    decided = AskWebhook(a, prov, acct, *verified);
    // Too many webhook calls waiting: the client retries, the challenge stays pending.
    if (!decided && decided.error().code == Errc::kRateLimited) return Fail(decided.error());
  }
  if (decided) {
    c.status = core::ChallengeStatus::kValid;
    c.validated_at = d_.clock->Now();
    c.attestation = EvidenceJson(*verified, device_id);
    a.status = core::AuthzStatus::kValid;
    log::Audit("device attested authz={} identifier={} device={} format={} spki_sha256={}", a.id,
               a.identifier.value, device_id.value_or("-"), verified->format, verified->spki_sha256_hex);
  } else {
    Error e = decided.error();
    if (e.code == Errc::kInternal) {
      log::Error("device-attest-01 internal error: {}", e.detail);
      e.detail = "internal error during attestation verification";
    }
    log::Audit("device attestation refused authz={} identifier={} reason={}", a.id, a.identifier.value, e.detail);
    c.status = core::ChallengeStatus::kInvalid;
    c.error = ProblemJson(e);
    a.status = core::AuthzStatus::kInvalid;
  }
  CA_RETURN_IF_ERROR(StoreAuthzResult(a));
  return a;
}

Result<std::optional<std::string>> Service::CheckAttestedDevice(const core::Authz& a,
                                                                const config::ProvisionerConfig& prov,
                                                                const attestation::AttestedDevice& dev) {
  // The order identifier must be one of the attested identifiers, octet for octet (see
  // attestation::Names for bare vendor serials).
  if (!attestation::Names(dev, a.identifier)) {
    std::string attested;
    for (const auto& id : dev.identifiers) attested += (attested.empty() ? "" : ", ") + id.kind + " " + id.value;
    return Fail(Refusal(a, "the attestation does not name \"" + a.identifier.value + "\" (it attests " +
                               (attested.empty() ? std::string("no identifier") : attested) + ")"));
  }
  CA_RETURN_IF_ERROR(policy::CheckPosture(dev.format, prov.FormatFor(dev.format), dev.facts));
  if (prov.inventory == "required") {
    CA_TRY(auto device, d_.store->FindDeviceByIdentifier(a.identifier.type, a.identifier.value));
    if (!device) {
      return Fail(Refusal(a, "device \"" + a.identifier.value + "\" is not in the inventory"));
    }
    if (device->state != core::DeviceState::kActive) {
      return Fail(Refusal(a, "device \"" + a.identifier.value + "\" is " + core::ToString(device->state) +
                                 " in the inventory"));
    }
    return std::optional<std::string>(device->id);
  }
  return std::optional<std::string>();
}

Result<void> Service::AskWebhook(const core::Authz& a, const config::ProvisionerConfig& prov,
                                 const core::Account& acct, const attestation::AttestedDevice& dev) {
  if (d_.webhooks == nullptr) return Ok();
  auto it = d_.webhooks->find(prov.name);
  if (it == d_.webhooks->end()) return Ok();
  webhook::AuthorizeRequest req;
  req.provisioner = prov.name;
  req.account_id = acct.id;
  req.account_thumbprint = acct.thumbprint;
  req.identifier = a.identifier;
  req.device = &dev;
  req.timestamp = d_.clock->Now();
  req.request_id = RandomId(*d_.rng);
  int attempts = 0;
  auto decision = it->second->Ask(req, &attempts);
  if (!decision) {
    const Error& e = decision.error();
    const bool busy = e.code == Errc::kRateLimited;
    log::Audit("device webhook decision={} authz={} identifier={} provisioner={} request_id={} attempts={} cause={}",
               busy ? "busy" : "unavailable", a.id, a.identifier.value, prov.name, req.request_id, attempts, e.detail);
    if (busy) return Fail(e);
    return Fail(Refusal(a, "authorizing webhook unavailable: " + e.detail));
  }
  log::Audit("device webhook decision={} authz={} identifier={} provisioner={} request_id={} attempts={} reason={}",
             decision->allow ? "allow" : "deny", a.id, a.identifier.value, prov.name, req.request_id, attempts,
             decision->reason);
  if (decision->allow) return Ok();
  return Fail(Refusal(a, "refused by the authorizing webhook: " +
                             (decision->reason.empty() ? std::string("no reason given") : decision->reason)));
}

Result<std::optional<Service::Attested>> Service::AttestedFor(const core::Order& order) {
  bool device = false;
  for (const auto& id : order.identifiers) device = device || core::IsDeviceIdentifierType(id.type);
  if (!device) return std::optional<Attested>();
  CA_TRY(auto authzs, d_.store->GetAuthzs(order.authz_ids));
  std::optional<Attested> found;
  for (const auto& a : authzs) {
    for (const auto& c : a.challenges) {
      if (c.status != core::ChallengeStatus::kValid || !c.attestation) continue;
      auto j = nlohmann::json::parse(*c.attestation, nullptr, false);
      if (j.is_discarded() || !j.contains("spki_der")) return Fail(Errc::kInternal, "stored attestation is corrupt");
      auto der = Base64UrlDecode(j["spki_der"].get<std::string>());
      if (!der) return Fail(Errc::kInternal, "stored attested key is corrupt");
      if (found && found->spki != *der) return Fail(Errc::kUnauthorized, "the order's attestations name different keys");
      found = Attested{std::move(*der), *c.attestation};
    }
  }
  if (!found) return Fail(Errc::kOrderNotReady, "the order has no verified device attestation");
  return found;
}

Result<core::Order> Service::FinalizeDevice(core::Order order, const core::Account& acct, ByteView csr_der,
                                            Attested attested) {
  CA_TRY(auto csr, policy::ParseCsrForDevice(csr_der));
  CA_RETURN_IF_ERROR(policy::CheckCsrDeviceNames(csr, order.identifiers));
  // attested.spki is the canonical encoding. The CSR's key info as sent matches it in the common case
  // (named curve, uncompressed point) and is then the same key; only otherwise is the CSR's key
  // encoded (OpenSSL 3.0 builds an encoder for that, ~0.3 ms).
  bool same_key = false;
  unsigned char* sent = nullptr;
  const int sent_len = i2d_X509_PUBKEY(csr.spki.get(), &sent);
  if (sent_len > 0) same_key = ConstantTimeEqual(ByteView(sent, static_cast<size_t>(sent_len)), attested.spki);
  OPENSSL_free(sent);
  if (!same_key) {
    CA_TRY(auto csr_spki, ossl::PublicKeyToDer(csr.key.get()));
    same_key = ConstantTimeEqual(csr_spki, attested.spki);
  }
  if (!same_key) return Fail(Errc::kUnauthorized, "the CSR's public key is not the attested key");
  // The attested identifiers become otherName SANs; the template decides what else of the CSR stays.
  const auto& prov = d_.config->provisioners.at(order.provisioner);
  CA_TRY(auto names, policy::DeviceCertificateNames(csr, prov.certificate));
  issuance::IssueRequest req;
  req.public_key = csr.key.get();
  req.public_key_info = csr.spki.get();
  req.server_auth = names.server_auth;
  req.client_auth = names.client_auth;
  req.device_subject = std::move(names.subject);
  for (auto& san : names.sans) req.device_extra_sans.emplace_back(std::move(san.kind), std::move(san.value));
  return IssueFor(std::move(order), acct, std::move(req), std::move(attested.evidence_json));
}

}  // namespace ca::acme
