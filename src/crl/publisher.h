#pragma once
// CRL publication (RFC 5280 §5): one full CRL for the intermediate, signed by Issuer::SignCrl.
// Freshness without hooks: the Publisher keeps the signed DER and regenerates it when the store's
// revocation revision moved (any revocation path, any process) or half its validity has passed.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "issuance/issuer.h"
#include "storage/store.h"

namespace ca::crl {

struct Options {
  uint32_t validity_s = 24 * 3600;  // nextUpdate - thisUpdate
};

struct SignedCrl {
  Bytes der;
  uint64_t number = 0;
  UnixTime this_update = 0;
  UnixTime next_update = 0;
  int64_t revision = 0;  // the store's revocation revision the CRL reflects (at least)
  size_t entries = 0;
};

// Generate makes a new CRL now: the revision is read before the entries, so a revocation racing
// with it is either in this CRL or triggers the next one. Each call reserves a new CRL number.
Result<SignedCrl> Generate(const issuance::Issuer& issuer, storage::CrlStore& store, const Clock& clock,
                           const Options& opts);

class Publisher final {
 public:
  Publisher(const issuance::Issuer& issuer, storage::CrlStore& store, const Clock& clock, Options opts)
      : issuer_(issuer), store_(store), clock_(clock), opts_(opts) {}

  // Current returns the CRL to serve, regenerating it first when it is stale (revision changed, half
  // the validity gone, or the clock went back before it was made). Callers arriving during a
  // regeneration wait for it (one signature, not one each). When regenerating fails, the previous
  // CRL is served (and the failure logged) until its nextUpdate; after that, the error.
  Result<std::shared_ptr<const SignedCrl>> Current();

 private:
  Result<std::shared_ptr<const SignedCrl>> RefreshLocked(UnixTime now);

  const issuance::Issuer& issuer_;
  storage::CrlStore& store_;
  const Clock& clock_;
  const Options opts_;
  std::mutex mu_;
  std::shared_ptr<const SignedCrl> current_;
  UnixTime made_at_ = 0;
};

}  // namespace ca::crl
