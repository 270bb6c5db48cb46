#pragma once
// Anti-replay nonces (RFC 8555 §6.5). A nonce is 16 random bytes from the CSPRNG (base64url),
// accepted once, until it expires. NonceSource is what the WFE uses; MemoryNonceSource keeps them in
// this process (one node, SQLite), StoreNonceSource (nonce_store.h) in the database every node shares.
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/clock.h"
#include "common/result.h"
#include "common/rng.h"

namespace ca::acme {

class NonceSource {
 public:
  virtual ~NonceSource() = default;
  // Issue returns a fresh nonce, already redeemable.
  virtual Result<std::string> Issue() = 0;
  // Redeem returns true exactly once for a nonce issued (by any node sharing the source) that has not
  // expired; false for anything else. An error means the answer is unknown (the store failed).
  virtual Result<bool> Redeem(const std::string& nonce) = 0;
};

// MemoryNonceSource: a map in this process, bounded (oldest evicted first). Nonces die with it.
class MemoryNonceSource final : public NonceSource {
 public:
  MemoryNonceSource(const Clock& clock, Rng& rng, UnixTime lifetime_s, size_t max_outstanding = 200000);
  Result<std::string> Issue() override;
  Result<bool> Redeem(const std::string& nonce) override;

 private:
  void EvictLocked(UnixTime now);
  const Clock& clock_;
  Rng& rng_;
  UnixTime lifetime_s_;
  size_t max_outstanding_;
  std::mutex mu_;
  std::unordered_map<std::string, UnixTime> live_;          // nonce -> expiry
  std::deque<std::pair<std::string, UnixTime>> order_;  // issue order, for eviction
};

}  // namespace ca::acme
