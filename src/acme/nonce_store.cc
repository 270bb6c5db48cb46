#include "acme/nonce_store.h"

#include "common/log.h"

namespace ca::acme {

StoreNonceSource::StoreNonceSource(storage::NonceStore& store, const Clock& clock, Rng& rng, UnixTime lifetime_s)
    : store_(store), clock_(clock), rng_(rng), lifetime_s_(lifetime_s) {}

Result<std::string> StoreNonceSource::Issue() {
  std::string n = RandomId(rng_, 16);
  UnixTime now = clock_.Now();
  CA_RETURN_IF_ERROR(store_.InsertNonce(n, now + lifetime_s_));
  if (issued_.fetch_add(1, std::memory_order_relaxed) % kPurgeEvery == 0) {
    // A failed purge loses nothing: the next one catches up (each deletes more than was issued since).
    if (auto purged = store_.PurgeExpiredNonces(now, kPurgeLimit); !purged) {
      log::Warn("nonces: purging expired nonces failed: {}", purged.error().detail);
    }
  }
  return n;
}

Result<bool> StoreNonceSource::Redeem(const std::string& nonce) {
  // Our nonces are 22 base64url characters; anything else cannot be in the table: no round trip.
  if (nonce.empty() || nonce.size() > 64) return false;
  return store_.RedeemNonce(nonce, clock_.Now());
}

}  // namespace ca::acme
