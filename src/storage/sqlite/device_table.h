#pragma once
// DeviceTable: the SQL of the DeviceStore port for SQLite, on the connection (and under the mutex)
// SqliteStore owns. Each call resets its (cached) statements and holds no read transaction open, so
// writes committed by other processes (WAL) are visible to the next call.
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "core/device.h"

struct sqlite3;

namespace ca::storage::sqlite {

class StatementCache;

class DeviceTable final {
 public:
  DeviceTable(sqlite3* db, std::mutex& mu, StatementCache& stmts) : db_(db), mu_(mu), stmts_(stmts) {}

  Result<void> Create(const core::Device& d);
  Result<void> CreateAll(const std::vector<core::Device>& ds);
  Result<core::Device> Get(const std::string& id);
  Result<std::optional<core::Device>> FindByIdentifier(const std::string& type, const std::string& identifier);
  Result<std::vector<core::Device>> List(std::optional<core::DeviceState> state);
  Result<void> SetState(const std::string& id, core::DeviceState state, UnixTime now);

 private:
  Result<void> InsertLocked(const core::Device& d);

  sqlite3* db_;
  std::mutex& mu_;
  StatementCache& stmts_;  // under mu_
};

}  // namespace ca::storage::sqlite
