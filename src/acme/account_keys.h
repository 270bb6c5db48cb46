#pragma once
// AccountKeys: ACME account public keys, parsed once. Turning a stored JWK into an EVP_PKEY (JSON,
// base64url, EVP_PKEY_fromdata and OpenSSL 3's provider lookups) cost more than the signature check
// it serves, and every authenticated request needs one. Entries are keyed by account id and checked
// against the stored JWK text on every hit, so a key change (RFC 8555 §7.3.5) is never served stale.
// Bounded (least recently used goes first) and thread-safe; the keys are shared read-only, which
// OpenSSL allows across threads.
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include "common/lru_map.h"
#include "common/result.h"
#include "core/account.h"
#include "ossl/unique.h"

namespace ca::acme {

class AccountKeys final {
 public:
  using Key = std::shared_ptr<const ossl::UniquePtr<EVP_PKEY>>;

  explicit AccountKeys(size_t capacity = 4096) : map_(capacity) {}

  // Get returns the account's key, parsing acct.jwk_json on a miss; kInternal if it does not parse
  // (stored keys were checked when the account was created).
  Result<Key> Get(const core::Account& acct);

  size_t size() const;

 private:
  struct Slot {
    std::string jwk_json;
    Key key;
  };
  mutable std::mutex mu_;
  LruMap<std::string, Slot> map_;  // by account id
};

}  // namespace ca::acme
