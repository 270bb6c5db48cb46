#pragma once
// ResponseCache: signed single-certificate OCSPResponses kept in memory, keyed by (CertID hash
// algorithm, serial), least recently used evicted past a cap. Each entry remembers the status it
// says (its snapshot): the responder serves it only while the store still says the same, so a
// revocation made anywhere (ACME, CLI, another process) is answered at the next request.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/lru_map.h"

namespace ca::ocsp {

// StatusSnapshot is what one answer says about its certificate.
struct StatusSnapshot {
  bool revoked = false;
  UnixTime revoked_at = 0;
  int reason = 0;  // RFC 5280 CRLReason
  bool operator==(const StatusSnapshot&) const = default;
};

struct CachedAnswer {
  Bytes der;            // the whole OCSPResponse, byte-stable while cached
  std::string etag;     // strong: a hash of der
  UnixTime this_update = 0;
  UnixTime next_update = 0;
  UnixTime refresh_at = 0;  // re-sign on the first request from here on (the last quarter of validity)
  // The certificate's notAfter: past it the answer is never re-signed, and served only until
  // next_update (0, the default, counts as expired: an entry made without it is never re-signed).
  UnixTime not_after = 0;
  StatusSnapshot status;
  // The store's revocation revision read before `status` was last confirmed against the store; the
  // only field that changes while shared (a request that re-reads an unchanged status moves it on).
  mutable std::atomic<int64_t> revision{-1};
};

class ResponseCache final {
 public:
  explicit ResponseCache(size_t max_entries) : map_(max_entries) {}
  ResponseCache(const ResponseCache&) = delete;
  ResponseCache& operator=(const ResponseCache&) = delete;

  // Get returns the entry for key (and marks it used), or null.
  std::shared_ptr<const CachedAnswer> Get(const std::string& key);
  // Put stores (or replaces) the entry for key, evicting the least recently used past the cap. It
  // never replaces a revoked answer with a good one (false): revocation is final, so that good was
  // signed from a status read before the revocation committed (a lost update otherwise).
  bool Put(const std::string& key, std::shared_ptr<const CachedAnswer> answer);

  size_t size() const;
  uint64_t hits() const;
  uint64_t misses() const;

 private:
  mutable std::mutex mu_;
  LruMap<std::string, std::shared_ptr<const CachedAnswer>> map_;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
};

}  // namespace ca::ocsp
