#include "storage/postgres/pool.h"

#include "common/log.h"

namespace ca::storage::pg {

Result<std::unique_ptr<Pool>> Pool::Open(const PoolOptions& o) {
  if (o.size == 0) return Fail(Errc::kInternal, "postgres pool size must be at least 1");
  std::unique_ptr<Pool> pool(new Pool(o));
  CA_TRY(auto first, Conn::Open(o.conn));
  pool->idle_.push_back(std::move(first));
  pool->open_ = 1;
  return pool;
}

Result<Pool::Lease> Pool::Acquire() {
  std::unique_lock lock(mu_);
  const auto deadline = std::chrono::steady_clock::now() + o_.acquire_timeout;
  while (idle_.empty() && open_ >= o_.size) {
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && open_ >= o_.size) {
      return Fail(Errc::kUnavailable, "postgres: all " + std::to_string(o_.size) +
                                          " pooled connections are busy (waited " +
                                          std::to_string(o_.acquire_timeout.count()) + " ms)");
    }
  }
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(c));
  }
  ++open_;  // reserve the slot, then connect without holding the lock
  lock.unlock();
  auto c = Conn::Open(o_.conn);
  if (!c) {
    lock.lock();
    --open_;
    cv_.notify_one();
    // The detail names the server (redacted URL): log it, tell the caller (maybe a client) less.
    log::Warn("postgres: {}", c.error().detail);
    return Fail(Errc::kUnavailable, "the database is unavailable (cannot connect); try again later");
  }
  return Lease(this, std::move(*c));
}

void Pool::Release(std::unique_ptr<Conn> c) {
  if (!c->Usable()) (void)c->Exec("ROLLBACK");  // a caller left a transaction open: never reuse it as is
  std::lock_guard lock(mu_);
  if (c->Usable()) {
    idle_.push_back(std::move(c));
  } else {
    c.reset();
    --open_;
  }
  cv_.notify_one();
}

}  // namespace ca::storage::pg
