#pragma once
// NonceStore issues and redeems anti-replay nonces (RFC 8555 §6.5). A nonce is 16 random bytes
// (base64url), accepted once, until it expires or is evicted (bounded memory).
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/clock.h"
#include "common/rng.h"

namespace ca::acme {

class NonceStore final {
 public:
  NonceStore(const Clock& clock, Rng& rng, UnixTime lifetime_s, size_t max_outstanding = 200000);
  std::string Issue();
  // Redeem returns true exactly once for a nonce we issued that has not expired.
  bool Redeem(const std::string& nonce);

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
