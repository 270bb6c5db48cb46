#include "storage/sqlite/group_sync.h"

#include <sqlite3.h>

#include "common/log.h"

namespace ca::storage::sqlite {

Result<void> GroupSync::WaitDurable() {
  const uint64_t mine = tickets_.fetch_add(1, std::memory_order_acq_rel) + 1;
  std::lock_guard lock(mu_);
  if (failed_) return Fail(Errc::kInternal, "a database fsync failed earlier; restart the server");
  if (synced_ >= mine) return Ok();  // an fsync that began after our commit has finished
  // Every ticket taken so far belongs to a commit that has returned: this fsync covers them all.
  const uint64_t upto = tickets_.load(std::memory_order_acquire);
  auto r = sync_();
  if (!r) {
    failed_ = true;
    log::Error("database fsync failed; refusing further writes: {}", r.error().detail);
    return r;
  }
  synced_ = upto;
  ++syncs_;
  return Ok();
}

uint64_t GroupSync::syncs() const {
  std::lock_guard lock(mu_);
  return syncs_;
}

Result<void> SyncWal(sqlite3* db) {
  sqlite3_file* wal = nullptr;
  if (sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal) != SQLITE_OK || wal == nullptr ||
      wal->pMethods == nullptr) {
    return Fail(Errc::kInternal, "the database WAL file is not open");
  }
  // SQLITE_SYNC_NORMAL is what SQLite itself uses for a WAL commit under synchronous=FULL.
  int rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
  if (rc != SQLITE_OK) return Fail(Errc::kInternal, std::string("fsync of the database WAL: ") + sqlite3_errstr(rc));
  return Ok();
}

}  // namespace ca::storage::sqlite
