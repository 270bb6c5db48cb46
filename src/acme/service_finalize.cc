// Finalization, certificate retrieval and revocation (RFC 8555 §7.4, §7.4.2, §7.6).
#include <openssl/x509.h>

#include "acme/jws.h"
#include "acme/problem.h"
#include "acme/service.h"
#include "common/base64.h"
#include "common/log.h"
#include "ossl/pem.h"
#include "ossl/types.h"
#include "ossl/x509_build.h"
#include "policy/csr_check.h"
#include "revocation/revoker.h"

namespace ca::acme {

bool IsAllowedRevocationReason(int reason) {
  return revocation::IsAllowedReason(reason, revocation::Authority::kSubscriber);
}

Result<core::Order> Service::Finalize(const std::string& order_id, const core::Account& acct, ByteView csr_der) {
  CA_TRY(auto order, GetOrder(order_id, &acct));
  if (order.status != core::OrderStatus::kReady) {
    return Fail(Errc::kOrderNotReady,
                std::string("order is ") + core::ToString(order.status) + ", not ready: it cannot be finalized");
  }
  CA_TRY(auto attested, AttestedFor(order));
  if (attested) return FinalizeDevice(std::move(order), acct, csr_der, std::move(*attested));
  // CSR problems leave the order ready so that the client can send a corrected CSR.
  CA_TRY(auto csr, policy::ParseCsr(csr_der));
  CA_RETURN_IF_ERROR(policy::CheckCsrNames(csr, order.identifiers));
  {
    // Boulder's rule: the certificate key must not be the account key. EVP_PKEY_eq compares the
    // public parts (1 = same key; keys of different types never are).
    CA_TRY(auto acct_key, AccountKey(acct));
    if (EVP_PKEY_eq(csr.key.get(), acct_key->get()) == 1) {
      return Fail(Errc::kBadCsr, "the certificate key must differ from the account key");
    }
  }
  issuance::IssueRequest req;
  req.public_key = csr.key.get();
  req.public_key_info = csr.spki.get();
  req.common_name = csr.common_name;
  return IssueFor(std::move(order), acct, std::move(req));
}

Result<core::Order> Service::IssueFor(core::Order order, const core::Account& acct, issuance::IssueRequest req,
                                      std::optional<std::string> attestation) {
  CA_TRY(bool claimed, d_.store->TransitionOrder(order.id, core::OrderStatus::kReady, core::OrderStatus::kProcessing));
  if (!claimed) {
    // The stored status may still say pending while every authorization is valid.
    CA_TRY(claimed, d_.store->TransitionOrder(order.id, core::OrderStatus::kPending, core::OrderStatus::kProcessing));
    if (!claimed) return Fail(Errc::kOrderNotReady, "order is being finalized already");
  }

  const auto& prov = d_.config->provisioners.at(order.provisioner);
  UnixTime now = d_.clock->Now();
  req.identifiers = order.identifiers;
  // A minute of back-dating absorbs clients' clock skew; the lifetime (notAfter - notBefore) is
  // exactly the provisioner's.
  req.not_before = order.not_before.value_or(now - 60);
  req.not_after = order.not_after.value_or(req.not_before + prov.cert_lifetime_s);

  auto fail_order = [&](const Error& e) -> tl::unexpected<Error> {
    order.status = core::OrderStatus::kInvalid;
    order.error = ProblemJson(e);
    (void)d_.store->UpdateOrder(order);
    return Fail(e);
  };
  auto token = d_.issuer->Prepare(req, *d_.rng);
  if (!token) return fail_order(token.error());
  auto issued = d_.issuer->Issue(std::move(*token));
  if (!issued) return fail_order(issued.error());

  core::CertRecord rec;
  rec.id = RandomId(*d_.rng, 12);
  rec.serial_hex = issued->serial_hex;
  rec.account_id = acct.id;
  rec.order_id = order.id;
  rec.provisioner = order.provisioner;
  rec.der = issued->der;
  rec.chain_pem = issued->pem + d_.issuer->intermediate_pem();
  rec.not_before = issued->not_before;
  rec.not_after = issued->not_after;
  rec.spki_sha256_hex = issued->spki_sha256_hex;
  rec.identifiers = order.identifiers;
  rec.attestation = std::move(attestation);
  // Durable before anyone can learn the certificate URL; the order turns valid in the same
  // transaction (a crash leaves neither a certificate without its order nor a valid order without it).
  auto stored = d_.store->CompleteOrder(rec);
  if (!stored) {
    // kConflict: the order is no longer processing (the recovery pass failed it after a stall); keep
    // the state and error it has, nothing was stored.
    if (auto now_stored = d_.store->GetOrder(order.id);
        now_stored && now_stored->status != core::OrderStatus::kProcessing) {
      log::Warn("order {}: finalized after it stopped processing ({}): the certificate serial={} was not stored",
                order.id, core::ToString(now_stored->status), rec.serial_hex);
      return Fail(Errc::kOrderNotReady, "order is " + std::string(core::ToString(now_stored->status)) +
                                            ": finalization took too long and was abandoned");
    }
    return fail_order(stored.error());
  }
  if (d_.certificate_issued) d_.certificate_issued(rec.serial_hex);
  order.status = core::OrderStatus::kValid;
  order.cert_id = rec.id;
  std::string names;
  for (const auto& id : order.identifiers) names += (names.empty() ? "" : ",") + id.value;
  log::Audit("certificate issued serial={} account={} order={} provisioner={} spki_sha256={} names={} "
             "not_after={} attested={}",
             rec.serial_hex, acct.id, order.id, order.provisioner, rec.spki_sha256_hex, names, Rfc3339(rec.not_after),
             rec.attestation ? "yes" : "no");
  return order;
}

Result<core::CertRecord> Service::GetCertificate(const std::string& id, const core::Account& acct) {
  auto c = d_.store->GetCertificate(id);
  if (!c || c->account_id != acct.id) return Fail(Errc::kNotFound, "certificate not found");
  return *c;
}

Result<void> Service::Revoke(ByteView cert_der, int reason, const core::Account* acct, EVP_PKEY* cert_key) {
  if (!IsAllowedRevocationReason(reason)) {
    return Fail(Errc::kBadRevocationReason,
                "revocation reason " + std::to_string(reason) + " is not allowed (use 0, 1, 3, 4 or 5)");
  }
  auto parsed = ossl::CertFromDer(cert_der);
  if (!parsed) return Fail(Errc::kMalformed, "certificate to revoke does not parse");
  // The same rendering the issuer stored (ossl::SerialHex), so lookups always match.
  CA_TRY(auto serial_hex, ossl::SerialHex(X509_get0_serialNumber(parsed->get())));
  auto rec = d_.store->GetCertificateBySerial(serial_hex);
  if (!rec || rec->der != Bytes(cert_der.begin(), cert_der.end())) {
    return Fail(Errc::kNotFound, "certificate was not issued by this CA");
  }
  if (acct != nullptr) {
    if (rec->account_id != acct->id) {
      return Fail(Errc::kUnauthorized, "this account did not order the certificate");
    }
  } else {
    CA_TRY(auto want, ossl::PublicKeyToDer(X509_get0_pubkey(parsed->get())));
    CA_TRY(auto got, ossl::PublicKeyToDer(cert_key));
    if (!ConstantTimeEqual(want, got)) {
      return Fail(Errc::kUnauthorized, "the JWS is not signed by the certificate's key");
    }
  }
  if (rec->revoked_at) return Fail(Errc::kAlreadyRevoked, "certificate is already revoked");
  revocation::Actor who;
  who.authority = revocation::Authority::kSubscriber;
  who.kind = acct != nullptr ? "acme-account" : "acme-cert-key";
  who.id = acct != nullptr ? acct->id : std::string();
  CA_RETURN_IF_ERROR(revocation::Revoker(*d_.store, *d_.clock, d_.certificate_revoked).Revoke(std::move(*rec), reason, who));
  return Ok();
}

}  // namespace ca::acme
