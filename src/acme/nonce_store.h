#pragma once
// StoreNonceSource keeps nonces in the Store (storage::NonceStore), so several attestca nodes on one
// PostgreSQL database accept a nonce issued by any of them exactly once (docs/storage.md).
#include <atomic>
#include <cstdint>

#include "acme/nonce.h"
#include "storage/store.h"

namespace ca::acme {

class StoreNonceSource final : public NonceSource {
 public:
  StoreNonceSource(storage::NonceStore& store, const Clock& clock, Rng& rng, UnixTime lifetime_s);
  Result<std::string> Issue() override;  // one INSERT (and, every kPurgeEvery issues, a bounded purge)
  Result<bool> Redeem(const std::string& nonce) override;  // one DELETE ... RETURNING

  // Every kPurgeEvery issues, up to kPurgeLimit expired nonces are deleted: more than are issued in
  // between, so unredeemed nonces cannot pile up, and never a long-running DELETE.
  static constexpr uint64_t kPurgeEvery = 64;
  static constexpr int64_t kPurgeLimit = 256;

 private:
  storage::NonceStore& store_;
  const Clock& clock_;
  Rng& rng_;
  UnixTime lifetime_s_;
  std::atomic<uint64_t> issued_{0};
};

}  // namespace ca::acme
