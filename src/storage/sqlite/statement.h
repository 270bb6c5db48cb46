#pragma once
// Thin RAII over sqlite3 prepared statements; every error becomes a Result (kInternal).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/bytes.h"
#include "common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ca::storage::sqlite {

class StatementCache;

class Statement final {
 public:
  static Result<Statement> Prepare(sqlite3* db, std::string_view sql);
  Statement(Statement&& o) noexcept
      : db_(o.db_), stmt_(o.stmt_), home_(o.home_), sql_(std::move(o.sql_)), bind_failed_(o.bind_failed_) {
    o.stmt_ = nullptr;
  }
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  // Bind* take 1-based parameter indices, like sqlite3_bind_*.
  Statement& Bind(int i, std::string_view v);
  Statement& Bind(int i, int64_t v);
  Statement& BindBlob(int i, ByteView v);
  Statement& BindOptional(int i, const std::optional<std::string>& v);
  Statement& BindOptional(int i, const std::optional<int64_t>& v);

  // Step returns true for a row, false when done.
  Result<bool> Step();
  // Run steps once and expects completion (INSERT/UPDATE/DELETE).
  Result<void> Run();
  // Reset makes a kept statement ready for new bindings (sqlite3_reset, sqlite3_clear_bindings).
  void Reset();

  std::string Text(int col) const;
  int64_t Int(int col) const;
  Bytes Blob(int col) const;
  bool IsNull(int col) const;
  std::optional<std::string> OptText(int col) const;
  std::optional<int64_t> OptInt(int col) const;

 private:
  friend class StatementCache;
  Statement(sqlite3* db, sqlite3_stmt* s) : db_(db), stmt_(s) {}
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  StatementCache* home_ = nullptr;  // set when lent by a cache: returned there instead of finalized
  std::string sql_;                 // the cache key, when lent
  bool bind_failed_ = false;
};

// StatementCache keeps one connection's prepared statements for reuse: parsing the SQL costs more
// than running most of our queries. Not thread-safe: use it under the connection's mutex. A
// statement lent out is reset and returned when its Statement goes out of scope; asking for the same
// SQL while it is lent prepares a second one.
class StatementCache final {
 public:
  explicit StatementCache(sqlite3* db) : db_(db) {}
  ~StatementCache();
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  Result<Statement> Prepare(std::string_view sql);

 private:
  friend class Statement;
  void Return(std::string sql, sqlite3_stmt* s);
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> idle_;
};

// Exec runs one or more statements without results (migrations, PRAGMAs, BEGIN/COMMIT).
Result<void> Exec(sqlite3* db, std::string_view sql);
// Changes reports rows modified by the last statement.
int64_t Changes(sqlite3* db);
// IsConstraintError tells whether the last error was a UNIQUE/constraint violation.
bool LastWasConstraint(sqlite3* db);

}  // namespace ca::storage::sqlite
