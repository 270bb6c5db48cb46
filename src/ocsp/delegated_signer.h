#pragma once
// DelegatedSigner: `[ocsp] signer = "delegated"`. An OCSP responder certificate issued by the
// intermediate (issuance::Issuer::IssueOcspResponderCert: EKU id-kp-OCSPSigning only, nocheck) with
// a P-256 key generated in memory, never written anywhere: it lives as long as the process or its
// certificate, whichever ends first, so there is no key file to protect or clean up; a restart makes
// a new one (one signature). Answers carry the certificate, so answers signed by an older signer
// stay verifiable until their own nextUpdate.
//
// Invariant (RFC 9919 §3.2.2): a signer signs only answers whose nextUpdate is not after its own
// notAfter. It is replaced when less than (answer validity + 1h) of its life is left, so a fresh
// answer always gets the full validity.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "issuance/issuer.h"
#include "issuance/signing_key.h"
#include "ossl/unique.h"

namespace ca::ocsp {

class DelegatedSigner final {
 public:
  struct Credential {
    ossl::UniquePtr<EVP_PKEY> key;
    ossl::UniquePtr<X509> cert;
    Bytes cert_der;
    UnixTime not_before = 0;
    UnixTime not_after = 0;
    std::optional<issuance::SigningKey> signing;  // key's signing context, initialised once
  };

  // lifetime_s: of each responder certificate; answer_validity_s: nextUpdate - thisUpdate of the
  // answers it signs. Create issues the first certificate at once (a failure stops the server).
  static Result<std::unique_ptr<DelegatedSigner>> Create(const issuance::Issuer& issuer, const Clock& clock,
                                                         uint32_t lifetime_s, uint32_t answer_validity_s);

  // Current returns the credential to sign with at now, issuing a new one first when the current
  // one has less than answer validity + 1h left (or is not yet valid).
  Result<std::shared_ptr<const Credential>> Current(UnixTime now);

  // Sign signs basic with cred (responder ID by key hash, the certificate included, producedAt as
  // given); refuses an answer whose next_update passes cred's notAfter.
  static Result<void> Sign(const Credential& cred, OCSP_BASICRESP* basic, UnixTime produced_at,
                           UnixTime next_update);

  uint64_t rotations() const;  // certificates issued so far, the first included

 private:
  DelegatedSigner(const issuance::Issuer& issuer, uint32_t lifetime_s, uint32_t answer_validity_s)
      : issuer_(issuer), lifetime_s_(lifetime_s), answer_validity_s_(answer_validity_s) {}
  Result<std::shared_ptr<const Credential>> Issue(UnixTime now);

  const issuance::Issuer& issuer_;
  const uint32_t lifetime_s_;
  const uint32_t answer_validity_s_;
  mutable std::mutex mu_;
  std::shared_ptr<const Credential> current_;
  uint64_t rotations_ = 0;
};

// DelegatedLifetime: 7 days, or longer when the answers' validity needs it (two answers' worth plus
// the 1h margin, so a signer is used for at least half its life).
uint32_t DelegatedLifetime(uint32_t answer_validity_s);

}  // namespace ca::ocsp
