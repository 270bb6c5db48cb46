#include "acme/nonce.h"

namespace ca::acme {

MemoryNonceSource::MemoryNonceSource(const Clock& clock, Rng& rng, UnixTime lifetime_s, size_t max_outstanding)
    : clock_(clock), rng_(rng), lifetime_s_(lifetime_s), max_outstanding_(max_outstanding) {}

Result<std::string> MemoryNonceSource::Issue() {
  std::string n = RandomId(rng_, 16);
  UnixTime now = clock_.Now();
  std::lock_guard lock(mu_);
  EvictLocked(now);
  live_[n] = now + lifetime_s_;
  order_.emplace_back(n, now + lifetime_s_);
  return n;
}

Result<bool> MemoryNonceSource::Redeem(const std::string& nonce) {
  UnixTime now = clock_.Now();
  std::lock_guard lock(mu_);
  auto it = live_.find(nonce);
  if (it == live_.end()) return false;
  bool fresh = it->second > now;
  live_.erase(it);
  return fresh;
}

void MemoryNonceSource::EvictLocked(UnixTime now) {
  while (!order_.empty() && (order_.front().second <= now || order_.size() >= max_outstanding_)) {
    live_.erase(order_.front().first);
    order_.pop_front();
  }
}

}  // namespace ca::acme
