// ResponseCache: a mutex-guarded LRU; entries are immutable and shared, so a reader keeps its copy
// alive while another thread replaces it.
#include "ocsp/response_cache.h"

namespace ca::ocsp {

std::shared_ptr<const CachedAnswer> ResponseCache::Get(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = map_.find(key);
  if (it == map_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, it->second.pos);
  return it->second.answer;
}

bool ResponseCache::Put(const std::string& key, std::shared_ptr<const CachedAnswer> answer) {
  std::lock_guard lock(mu_);
  auto it = map_.find(key);
  if (it != map_.end()) {
    if (it->second.answer->status.revoked && !answer->status.revoked) return false;
    it->second.answer = std::move(answer);
    lru_.splice(lru_.begin(), lru_, it->second.pos);
    return true;
  }
  lru_.push_front(key);
  map_.emplace(key, Slot{std::move(answer), lru_.begin()});
  while (map_.size() > max_entries_) {
    map_.erase(lru_.back());
    lru_.pop_back();
  }
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
