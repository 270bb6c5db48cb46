#pragma once
// GroupSync: group commit for a SQLite database in WAL mode. The connection runs with
// synchronous=NORMAL, so a COMMIT only writes the WAL; each writer then calls WaitDurable, which
// returns once an fsync of the WAL that started after that COMMIT has finished. One fsync covers
// every commit made before it began, so writers that commit while an fsync runs share the next one
// instead of queueing one each (an fsync costs milliseconds on these disks; a write, microseconds).
// The promise is synchronous=FULL's (a returned write survives a power cut) with far fewer fsyncs
// under concurrency.
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>

#include "common/result.h"

struct sqlite3;

namespace ca::storage::sqlite {

class GroupSync final {
 public:
  using SyncFn = std::function<Result<void>()>;
  explicit GroupSync(SyncFn sync) : sync_(std::move(sync)) {}

  // WaitDurable: call after COMMIT returned, without holding the connection's lock. A failed fsync
  // poisons the store: Linux may report a write-back error only once, so no later write can be
  // promised durable until the process restarts (PostgreSQL's answer to the same problem).
  Result<void> WaitDurable();

  uint64_t syncs() const;  // fsyncs done so far (tests, benchmarks)

 private:
  SyncFn sync_;
  std::atomic<uint64_t> tickets_{0};  // one per commit, taken after the commit returned
  mutable std::mutex mu_;             // one fsync at a time
  uint64_t synced_ = 0;               // every ticket <= synced_ is durable (under mu_)
  uint64_t syncs_ = 0;                // under mu_
  bool failed_ = false;               // under mu_
};

// SyncWal is the SyncFn of a connection in WAL mode: an fsync of the WAL file SQLite holds open
// (SQLITE_FCNTL_JOURNAL_POINTER), through SQLite's own VFS.
Result<void> SyncWal(sqlite3* db);

}  // namespace ca::storage::sqlite
