#pragma once
// ServeLock: an exclusive flock(2) on "<database>.serve-lock", held by the server's SqliteStore for
// as long as it is open. A second `attestca serve` on the same SQLite file is refused at start: the
// server caches the rows only it writes (object_cache.h), and SQLite is the one-node backend
// (several nodes share PostgreSQL). The CLI takes no such lock and runs beside the server.
#include <string>

#include "common/result.h"

namespace ca::storage::sqlite {

class ServeLock final {
 public:
  ServeLock() = default;
  // Take fails with kConflict when another process holds the lock (it never waits).
  static Result<ServeLock> Take(const std::string& database_path);

  ServeLock(ServeLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  ServeLock& operator=(ServeLock&& o) noexcept;
  ServeLock(const ServeLock&) = delete;
  ServeLock& operator=(const ServeLock&) = delete;
  ~ServeLock();

 private:
  explicit ServeLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace ca::storage::sqlite
