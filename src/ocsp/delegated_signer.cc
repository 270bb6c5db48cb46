// DelegatedSigner: issue, rotate and sign with the delegated OCSP responder certificate.
#include "ocsp/delegated_signer.h"

#include <algorithm>

#include "common/log.h"
#include "common/rng.h"
#include "issuance/ca_init.h"
#include "ocsp/ossl_ocsp.h"
#include "ossl/error.h"
#include "ossl/pem.h"
#include "ossl/x509_build.h"

namespace ca::ocsp {

namespace {
constexpr UnixTime kMargin = 3600;    // rotate with this much to spare beyond one answer's validity
constexpr UnixTime kBackdate = 3600;  // notBefore in the past, for clients with slow clocks
}  // namespace

uint32_t DelegatedLifetime(uint32_t answer_validity_s) {
  return std::max<uint32_t>(7 * 24 * 3600, 2 * answer_validity_s + 2 * kMargin);
}

Result<std::unique_ptr<DelegatedSigner>> DelegatedSigner::Create(const issuance::Issuer& issuer, const Clock& clock,
                                                                 uint32_t lifetime_s, uint32_t answer_validity_s) {
  if (lifetime_s < answer_validity_s + 2 * kMargin) {
    return Fail(Errc::kInternal, "delegated OCSP signer: lifetime too short for the answer validity");
  }
  auto s = std::unique_ptr<DelegatedSigner>(new DelegatedSigner(issuer, lifetime_s, answer_validity_s));
  CA_TRY(auto first, s->Current(clock.Now()));
  (void)first;
  return s;
}

Result<std::shared_ptr<const DelegatedSigner::Credential>> DelegatedSigner::Current(UnixTime now) {
  std::lock_guard lock(mu_);
  if (current_ && current_->not_before <= now &&
      now + static_cast<UnixTime>(answer_validity_s_) + kMargin <= current_->not_after) {
    return current_;
  }
  CA_TRY(current_, Issue(now));
  return current_;
}

Result<std::shared_ptr<const DelegatedSigner::Credential>> DelegatedSigner::Issue(UnixTime now) {
  auto cred = std::make_shared<Credential>();
  CA_TRY(cred->key, issuance::GenerateKey(issuance::KeyType::kEcP256));
  SystemRng rng;
  CA_TRY(cred->cert_der, issuer_.IssueOcspResponderCert(cred->key.get(), now - kBackdate, now + lifetime_s_, rng));
  CA_TRY(cred->cert, ossl::CertFromDer(cred->cert_der));
  CA_TRY(cred->not_before, ossl::Asn1TimeToUnix(X509_get0_notBefore(cred->cert.get())));
  CA_TRY(cred->not_after, ossl::Asn1TimeToUnix(X509_get0_notAfter(cred->cert.get())));
  // Clipped to the intermediate's life: too short to cover an answer means we cannot answer.
  if (now + static_cast<UnixTime>(answer_validity_s_) > cred->not_after) {
    return Fail(Errc::kInternal, "delegated OCSP signer would expire before its answers (intermediate ending?)");
  }
  (void)X509_check_purpose(cred->cert.get(), -1, 0);  // cache extensions now; later threads only read
  CA_TRY(auto signing, issuance::SigningKey::Create(cred->key.get(), EVP_sha256(), X509_get0_pubkey(cred->cert.get())));
  cred->signing.emplace(std::move(signing));
  ++rotations_;
  log::Info("ocsp: delegated responder certificate issued, valid until {}", cred->not_after);
  return std::shared_ptr<const Credential>(std::move(cred));
}

Result<void> DelegatedSigner::Sign(const Credential& cred, OCSP_BASICRESP* basic, UnixTime produced_at,
                                   UnixTime next_update) {
  if (basic == nullptr) return Fail(Errc::kInternal, "DelegatedSigner::Sign: no response");
  if (next_update > cred.not_after || produced_at < cred.not_before) {
    return Fail(Errc::kInternal, "delegated OCSP signer does not cover the answer's validity");
  }
  ASN1_GENERALIZEDTIME* produced = const_cast<ASN1_GENERALIZEDTIME*>(OCSP_resp_get0_produced_at(basic));
  if (produced == nullptr || ASN1_GENERALIZEDTIME_set(produced, static_cast<time_t>(produced_at)) == nullptr) {
    return ossl::Internal("OCSP producedAt");
  }
  if (!cred.signing) return Fail(Errc::kInternal, "delegated OCSP signer without a signing context");
  CA_TRY(auto ctx, cred.signing->SignContext());
  // Without OCSP_NOCERTS the responder certificate goes into `certs`: clients need it to verify.
  if (OCSP_basic_sign_ctx(basic, cred.cert.get(), ctx.get(), nullptr, OCSP_RESPID_KEY | OCSP_NOTIME) != 1) {
    return ossl::Internal("OCSP_basic_sign (delegated)");
  }
  return Ok();
}

uint64_t DelegatedSigner::rotations() const {
  std::lock_guard lock(mu_);
  return rotations_;
}

}  // namespace ca::ocsp
