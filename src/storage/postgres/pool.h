#pragma once
// Pool: at most `size` connections, opened on demand and reused. Acquire blocks while all are in
// use, up to a timeout (kUnavailable after it). A connection that broke, or that comes back inside
// a transaction, is closed rather than reused; the next Acquire opens a fresh one.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "common/result.h"
#include "storage/postgres/conn.h"

namespace ca::storage::pg {

struct PoolOptions {
  ConnOptions conn;
  size_t size = 8;
  std::chrono::milliseconds acquire_timeout{10000};
};

class Pool {
 public:
  // Lease is one connection borrowed from the pool, given back when it goes out of scope.
  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<Conn> c) : pool_(pool), c_(std::move(c)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (c_) pool_->Release(std::move(c_));
    }
    Conn& operator*() const { return *c_; }
    Conn* operator->() const { return c_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Conn> c_;
  };

  // Open connects once at once, so that a wrong URL or password fails at start, not at first use.
  static Result<std::unique_ptr<Pool>> Open(const PoolOptions& o);

  Result<Lease> Acquire();

 private:
  explicit Pool(PoolOptions o) : o_(std::move(o)) {}
  void Release(std::unique_ptr<Conn> c);

  const PoolOptions o_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Conn>> idle_;  // under mu_
  size_t open_ = 0;                          // under mu_: idle + leased + being opened
};

}  // namespace ca::storage::pg
