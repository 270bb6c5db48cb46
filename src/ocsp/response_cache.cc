// ResponseCache: a mutex-guarded LRU; entries are immutable and shared, so a reader keeps its copy
// alive while another thread replaces it.
#include "ocsp/response_cache.h"

namespace ca::ocsp {

std::shared_ptr<const CachedAnswer> ResponseCache::Get(const std::string& key) {
  std::lock_guard lock(mu_);
  auto* answer = map_.Find(key);
  if (answer == nullptr) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  return *answer;
}

bool ResponseCache::Put(const std::string& key, std::shared_ptr<const CachedAnswer> answer) {
  std::lock_guard lock(mu_);
  auto* held = map_.Find(key);
  if (held != nullptr && (*held)->status.revoked && !answer->status.revoked) return false;
  map_.Put(key, std::move(answer));
  return true;
}

size_t ResponseCache::size() const {
  std::lock_guard lock(mu_);
  return map_.size();
}

uint64_t ResponseCache::hits() const {
  std::lock_guard lock(mu_);
  return hits_;
}

uint64_t ResponseCache::misses() const {
  std::lock_guard lock(mu_);
  return misses_;
}

}  // namespace ca::ocsp
