#pragma once
// LruMap: a map bounded to `capacity` entries that forgets the least recently used one first. Not
// thread-safe: each owner already holds a lock of its own around more than the map.
#include <cstddef>
#include <list>
#include <unordered_map>
#include <utility>

namespace ca {

template <class K, class V>
class LruMap final {
 public:
  explicit LruMap(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // Find returns the entry (now the most recently used), or null. The pointer lives until the
  // entry is replaced, erased or evicted.
  V* Find(const K& k) {
    auto it = map_.find(k);
    if (it == map_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second.pos);
    return &it->second.value;
  }

  // Put stores or replaces k's entry, evicting the least recently used past the capacity.
  V& Put(const K& k, V v) {
    auto it = map_.find(k);
    if (it != map_.end()) {
      it->second.value = std::move(v);
      order_.splice(order_.begin(), order_, it->second.pos);
      return it->second.value;
    }
    if (map_.size() >= capacity_) {
      map_.erase(order_.back());
      order_.pop_back();
    }
    order_.push_front(k);
    return map_.emplace(k, Slot{std::move(v), order_.begin()}).first->second.value;
  }

  void Erase(const K& k) {
    auto it = map_.find(k);
    if (it == map_.end()) return;
    order_.erase(it->second.pos);
    map_.erase(it);
  }

  void Clear() {
    map_.clear();
    order_.clear();
  }

  size_t size() const { return map_.size(); }

 private:
  struct Slot {
    V value;
    typename std::list<K>::iterator pos;
  };
  const size_t capacity_;
  std::list<K> order_;  // front: most recently used
  std::unordered_map<K, Slot> map_;
};

}  // namespace ca
