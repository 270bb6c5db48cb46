#pragma once
// Service: the RFC 8555 registration authority (≈ Boulder's RA). It owns the rules for accounts,
// orders, authorizations, challenges, finalization and revocation; it knows nothing of HTTP or JSON
// (the WFE in wfe*.cc translates).
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "acme/account_keys.h"
#include "acme/jwk.h"
#include "acme/worker_pool.h"
#include "common/clock.h"
#include "common/result.h"
#include "common/rng.h"
#include "config/config.h"
#include "core/account.h"
#include "core/cert_record.h"
#include "core/order.h"
#include "issuance/issuer.h"
#include "revocation/revoker.h"
#include "storage/store.h"
#include "validation/device_attest.h"
#include "validation/validator.h"
#include "webhook/authorizer.h"

namespace ca::acme {

struct ServiceDeps {
  storage::Store* store = nullptr;
  issuance::Issuer* issuer = nullptr;
  validation::Validator* validator = nullptr;
  const Clock* clock = nullptr;
  Rng* rng = nullptr;
  const config::Config* config = nullptr;
  validation::DeviceAttestVerifier* device_attest = nullptr;  // needed for device-attest-01 only
  const webhook::Authorizers* webhooks = nullptr;              // provisioners with an authorizing webhook
  // certificate_issued runs after a certificate is stored (the server pre-signs its OCSP answers);
  // best effort: it must not fail the issuance.
  std::function<void(const std::string& serial_hex)> certificate_issued = nullptr;
  // certificate_revoked runs after revokeCert committed, before it is answered (revocation/revoker.h).
  revocation::RevokedHook certificate_revoked = nullptr;
};

// ChallengeResponse is the payload of a challenge POST (RFC 8555 §7.5.1: "{}" for the classic
// challenges; draft-ietf-acme-device-attest-09 §5: {"attObj": ...}, or Apple's {"error": ...}).
struct ChallengeResponse {
  std::optional<Bytes> att_obj;
  std::optional<std::string> device_error;
};

struct NewAccountRequest {
  const config::ProvisionerConfig* provisioner = nullptr;
  Jwk jwk;
  std::vector<std::string> contact;
  bool tos_agreed = false;
  bool only_return_existing = false;
  // EAB (already parsed, not yet verified): the inner JWS's kid, its payload JWK thumbprint, and
  // the verification closure's inputs.
  std::optional<std::string> eab_kid;
  std::function<Result<void>(ByteView hmac_key)> verify_eab;  // checks MAC + payload == account key
};

struct NewOrderRequest {
  const config::ProvisionerConfig* provisioner = nullptr;
  std::vector<core::Identifier> identifiers;
  std::optional<UnixTime> not_before;
  std::optional<UnixTime> not_after;
};

// Allowed RFC 5280 CRLReason codes for revokeCert (RFC 8555 §7.6).
bool IsAllowedRevocationReason(int reason);

class Service final {
 public:
  Service(ServiceDeps deps, WorkerPool* validation_pool);

  // NewAccount returns the account and whether it was created now (201) or existed (200).
  Result<std::pair<core::Account, bool>> NewAccount(NewAccountRequest req);
  Result<core::Account> GetAccount(const std::string& id);  // kNotFound
  // AccountKey is the account's public key, parsed once and cached (account_keys.h).
  Result<AccountKeys::Key> AccountKey(const core::Account& acct) { return account_keys_.Get(acct); }
  Result<core::Account> UpdateAccount(const core::Account& acct, std::optional<std::vector<std::string>> contact,
                                      bool deactivate);
  // KeyChange rolls the account to new_key; kConflict carries the other account's id in detail.
  Result<core::Account> KeyChange(const core::Account& acct, const Jwk& new_key);

  Result<core::Order> NewOrder(const core::Account& acct, const NewOrderRequest& req);
  Result<core::Order> GetOrder(const std::string& id, const core::Account* owner);
  Result<std::vector<std::string>> ListOrders(const core::Account& acct);

  Result<core::Authz> GetAuthz(const std::string& id, const core::Account* owner);
  Result<core::Authz> DeactivateAuthz(const std::string& id, const core::Account& acct);
  // RespondToChallenge starts validation (asynchronously) and returns the authz as it stands after
  // waiting briefly for a quick result.
  Result<core::Authz> RespondToChallenge(const std::string& authz_id, const std::string& challenge_id,
                                         const core::Account& acct, const ChallengeResponse& response = {});

  Result<core::Order> Finalize(const std::string& order_id, const core::Account& acct, ByteView csr_der);
  Result<core::CertRecord> GetCertificate(const std::string& id, const core::Account& acct);

  // Revoke: by the ordering account (acct set) or by the certificate's own key (cert_key set).
  Result<void> Revoke(ByteView cert_der, int reason, const core::Account* acct, EVP_PKEY* cert_key);

  const std::string& intermediate_pem() const;
  const std::string& root_pem() const;
  const Bytes& intermediate_der() const;  // what the AIA caIssuers URL serves
  const Bytes& root_der() const;

 private:
  // StoreAuthzResult stores a decided authorization and, in the same transaction, what it means for
  // its order: invalid makes the order invalid; valid, when every authorization is, makes it ready.
  Result<void> StoreAuthzResult(const core::Authz& a);
  core::OrderStatus EffectiveStatus(const core::Order& o, const std::vector<core::Authz>& authzs) const;
  core::AuthzStatus EffectiveStatus(const core::Authz& a) const;
  void RunValidation(std::string authz_id, std::string challenge_id, std::string thumbprint);
  Result<void> ApplyValidationResult(const std::string& authz_id, const std::string& challenge_id,
                                     const Result<void>& outcome);
  // device-attest-01 (service_device.cc): verified synchronously (no network involved).
  Result<core::Authz> RespondDeviceAttest(core::Authz a, size_t challenge_index, const core::Account& acct,
                                          const ChallengeResponse& response);
  // CheckAttestedDevice binds a verified attestation to the order identifier, the posture rules and
  // the inventory; returns the inventory device's id (nullopt with inventory = "off").
  Result<std::optional<std::string>> CheckAttestedDevice(const core::Authz& a, const config::ProvisionerConfig& prov,
                                                         const attestation::AttestedDevice& dev);
  // AskWebhook asks the provisioner's authorizing webhook, if any (fail closed; kRateLimited
  // leaves the challenge pending).
  Result<void> AskWebhook(const core::Authz& a, const config::ProvisionerConfig& prov, const core::Account& acct,
                          const attestation::AttestedDevice& dev);
  // Attested is a device order's verified attestation: the key and the evidence JSON.
  struct Attested {
    Bytes spki;
    std::string evidence_json;
  };
  // AttestedFor returns the attestation of a device order's authorizations (nullopt for others).
  Result<std::optional<Attested>> AttestedFor(const core::Order& order);
  Result<core::Order> FinalizeDevice(core::Order order, const core::Account& acct, ByteView csr_der,
                                     Attested attested);
  // IssueFor issues req (key, names and EKUs set by the caller) for the order's identifiers, with
  // the provisioner's lifetime or the order's notBefore/notAfter.
  Result<core::Order> IssueFor(core::Order order, const core::Account& acct, issuance::IssueRequest req,
                               std::optional<std::string> attestation = std::nullopt);
  std::vector<std::string> ChallengeTypesFor(const config::ProvisionerConfig& p, const core::Identifier& id,
                                             bool wildcard) const;

  ServiceDeps d_;
  WorkerPool* pool_;
  AccountKeys account_keys_;
};

}  // namespace ca::acme
